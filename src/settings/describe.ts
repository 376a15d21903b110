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

/** Where a file-based definition is: "/etc/x.json:14" or "config drop-in /etc/x.d/40.conf:3". */
function fileLocation(source: Extract<SettingSource, { kind: 'config-dir' | 'config-file' }>): string {
  return source.kind === 'config-dir' ? `config drop-in ${where(source.file, source.line)}` : where(source.file, source.line);
}

export function describeSource(setting: string, source: SettingSource): string {
  switch (source.kind) {
    case 'flag':
      return `${source.text} in ${describeOrigin(source.origin)}`;
    case 'config-dir':
    case 'config-file':
      return `${setting} in ${fileLocation(source)}`;
    case 'default':
      return source.withConfig
        ? 'kubelet default (not set anywhere; a --config file is in use)'
        : 'kubelet legacy default (not set anywhere, and the kubelet runs without --config)';
  }
}

/** The full sentence a finding shows: value, source, and what it overrides. */
export function describeEffective(setting: string, source: SettingSource, overridden: SourcedValue[]): string {
  const overrides = overridden.flatMap((o) => {
    if (o.source.kind === 'default') return [];
    if (o.source.kind === 'flag') return [describeSource(setting, o.source)];
    return [`${setting}: ${String(o.value)} in ${fileLocation(o.source)}`];
  });
  const main = describeSource(setting, source);
  return overrides.length ? `${main}, overriding ${overrides.join('; ')}` : main;
}
