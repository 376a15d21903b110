/**
 * Turns a non-compliant setting into edits of the files that define it. The rule: fix the
 * source that wins, and every lower-precedence definition that also holds a non-compliant value
 * (so removing the winning flag later cannot bring the insecure value back, and a file audit
 * agrees with the process). With nothing defining it and an insecure default, add the setting:
 * to the --config file when there is one, else as a flag where the other flags are written.
 */
import { flagText, satisfies } from '../controls/requirement.js';
import type { ControlSetting } from '../controls/types.js';
import type { ArgOrigin } from '../kubelet/types.js';
import type { EffectiveSetting, SourcedValue } from '../settings/types.js';
import { describeOrigin } from '../settings/describe.js';
import { setConfigValues } from './edit/config-edit.js';
import { addFlag, setFlag, type FlagEditTarget } from './edit/flag-edit.js';
import { PlanError } from './errors.js';
import type { KubeletSide } from './node-model.js';

/** One pending edit of one file; edits of the same file are applied in order. */
export interface FileEdit {
  path: string;
  reason: string;
  apply(content: string): string;
}

function flagTarget(origin: ArgOrigin, side: KubeletSide): { path: string; target: FlagEditTarget } {
  switch (origin.kind) {
    case 'exec-start':
      // An argument's origin is the line it is written on; the edit targets the whole directive.
      return { path: origin.file, target: { kind: 'exec-start', line: side.execStart?.file === origin.file ? side.execStart.line : origin.line } };
    case 'environment':
      return { path: origin.file, target: { kind: 'environment', variable: origin.variable, line: origin.line } };
    case 'environment-file':
      return { path: origin.file, target: { kind: 'environment-file', variable: origin.variable, line: origin.line } };
    case 'process':
      throw new PlanError('the flag is on the running command line but no unit or environment file defines it now');
  }
}

function editFor(setting: ControlSetting, definition: SourcedValue, side: KubeletSide): FileEdit[] {
  const value = setting.fix;
  const reason = `${setting.setting} → ${String(value)}`;
  const source = definition.source;
  switch (source.kind) {
    case 'flag': {
      const { path, target } = flagTarget(source.origin, side);
      return [{
        path,
        reason: `${reason} (${source.flag} in ${describeOrigin(source.origin)})`,
        apply: (c) => setFlag(c, target, setting.flag, flagText(value), setting.type === 'boolean', path),
      }];
    }
    case 'config-dir':
    case 'config-file': {
      const format = source.kind === 'config-file' ? side.config?.format : side.configDir.find((d) => d.file === source.file)?.format;
      if (!format) throw new PlanError(`internal: no parsed config for ${source.file}`);
      return [{
        path: source.file,
        reason,
        apply: (c) => setConfigValues(c, format, [{ path: setting.setting.split('.'), value }], source.file),
      }];
    }
    case 'default':
      return addDefinition(setting, side, reason);
  }
}

function addDefinition(setting: ControlSetting, side: KubeletSide, reason: string): FileEdit[] {
  const value = setting.fix;
  if (side.config && side.configPath) {
    const { format, file } = side.config;
    return [{ path: file, reason, apply: (c) => setConfigValues(c, format, [{ path: setting.setting.split('.'), value }], file) }];
  }
  const home = flagHome(side);
  if (!home) throw new PlanError(`cannot tell where the kubelet's flags are defined, to add ${setting.flag}`);
  const { path, target } = flagTarget(home, side);
  return [{
    path,
    reason: `${reason} (adds ${setting.flag}=${flagText(value)} to ${describeOrigin(home)})`,
    apply: (c) => addFlag(c, target, setting.flag, flagText(value), path),
  }];
}

/** One key per definition: all literal ExecStart words are one definition, whatever line they are on. */
function originKey(o: ArgOrigin): string {
  if (o.kind === 'process') return 'process';
  if (o.kind === 'exec-start') return `exec-start|${o.file}`;
  return `${o.kind}|${o.file}|${o.line}|${o.variable}`;
}

/**
 * Where "the kubelet's other arguments are defined": the definition that contributes the most
 * flags (AKS's KUBELET_FLAGS, EKS's KUBELET_ARGS, the ExecStart of a flags-only unit); on a tie
 * the later one, as later arguments win.
 */
export function flagHome(side: KubeletSide): ArgOrigin | undefined {
  const counts = new Map<string, { origin: ArgOrigin; count: number; last: number }>();
  side.flags.forEach((f, i) => {
    if (f.origin.kind === 'process') return;
    const key = originKey(f.origin);
    const entry = counts.get(key) ?? { origin: f.origin, count: 0, last: i };
    entry.count += 1;
    entry.last = i;
    counts.set(key, entry);
  });
  let best: { origin: ArgOrigin; count: number; last: number } | undefined;
  for (const e of counts.values()) {
    if (!best || e.count > best.count || (e.count === best.count && e.last > best.last)) best = e;
  }
  return best?.origin;
}

/** The edits that make one setting compliant after a restart; none when it already is. */
export function editsForSetting(setting: ControlSetting, effective: EffectiveSetting, side: KubeletSide): FileEdit[] {
  const definitions: SourcedValue[] = [{ value: effective.value, source: effective.source }, ...effective.overridden];
  const winnerCompliant = satisfies(setting.require, effective.value);
  const edits: FileEdit[] = [];
  for (const [i, d] of definitions.entries()) {
    const isWinner = i === 0;
    if (d.source.kind === 'default') {
      if (isWinner && !winnerCompliant) edits.push(...editFor(setting, d, side));
      continue;
    }
    if (satisfies(setting.require, d.value)) continue;
    edits.push(...editFor(setting, d, side));
  }
  return dedupe(edits);
}

/** setFlag rewrites every occurrence inside one definition, so one edit per definition is enough. */
function dedupe(edits: FileEdit[]): FileEdit[] {
  const seen = new Set<string>();
  return edits.filter((e) => {
    const key = `${e.path}|${e.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
