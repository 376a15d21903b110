import type { ArgOrigin } from '../kubelet/types.js';
import type { SettingSource, SourcedValue } from './types.js';

/** "KUBELET_FLAGS (/etc/default/kubelet:2)", "the ExecStart of /etc/systemd/system/kubelet.service:9". */
export function describeOrigin(origin: ArgOrigin): string {
  switch (origin.kind) {
    case 'exec-start':
      return `ExecStart (${origin.file}:${origin.line})`;
    case 'environment':
      return `${origin.variable} (Environment= in ${origin.file}:${origin.line})`;
    case 'environment-file':
      return `${origin.variable} (${origin.file}:${origin.line})`;
    case 'process':
      return 'the running process only (no unit or environment file defines it now)';
  }
}

function where(file: string, line: number | undefined): string {
  return line === undefined ? file : `${file}:${line}`;
}

export function describeSource(setting: string, source: SettingSource): string {
  switch (source.kind) {
    case 'flag':
      return `${source.text} in ${describeOrigin(source.origin)}`;
    case 'config-dir':
      return `${setting} in config drop-in ${where(source.file, source.line)}`;
    case 'config-file':
      return `${setting} in ${where(source.file, source.line)}`;
    case 'default':
      return source.withConfig
        ? 'kubelet default (not set anywhere; a --config file is in use)'
        : "kubelet legacy default (not set anywhere, and the kubelet runs without --config)";
  }
}

/** The full sentence a finding shows: value, source, and what it overrides. */
export function describeEffective(setting: string, source: SettingSource, overridden: SourcedValue[]): string {
  const main = describeSource(setting, source);
  const explicit = overridden.filter((o) => o.source.kind !== 'default');
  if (explicit.length === 0) return main;
  const rest = explicit.map((o) => {
    const text = o.source.kind === 'flag' ? describeSource(setting, o.source) : `${setting}: ${String(o.value)} in ${describeSource(setting, o.source).replace(`${setting} in `, '')}`;
    return text;
  });
  return `${main}, overriding ${rest.join('; ')}`;
}
