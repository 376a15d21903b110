import { valueFromFlag } from '../controls/requirement.js';
import type { ControlSetting } from '../controls/types.js';
import type { FlagOccurrence } from '../kubelet/types.js';
import type { EffectiveSetting, SettingSource, SourcedValue } from './types.js';

/** A parsed KubeletConfiguration file (the --config file or one --config-dir drop-in). */
export interface ConfigSource {
  file: string;
  data: unknown;
  lineOf(path: string[]): number | undefined;
}

export interface ResolveInput {
  /** Every flag occurrence on the command line, in order. */
  flags: FlagOccurrence[];
  /** True when --config is on the command line: it switches the kubelet's defaults. */
  hasConfigFlag: boolean;
  config?: ConfigSource;
  /** --config-dir drop-ins in the order the kubelet applies them (later wins). */
  configDir: ConfigSource[];
}

type Scalar = string | boolean | number;

export function getPath(data: unknown, path: string[]): unknown {
  let node: unknown = data;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function asScalar(v: unknown): Scalar | undefined {
  return typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number' ? v : undefined;
}

/**
 * The kubelet's precedence, highest first: the last occurrence of the flag, then config-dir
 * drop-ins (last file wins), then the --config file, then the default (which depends on
 * whether --config is given at all).
 */
export function resolveSetting(setting: ControlSetting, input: ResolveInput): EffectiveSetting {
  const name = setting.flag.replace(/^--/, '');
  const path = setting.setting.split('.');
  const candidates: SourcedValue[] = [];

  const occurrences = input.flags.filter((f) => f.name === name);
  for (const f of [...occurrences].reverse()) {
    const source: SettingSource = { kind: 'flag', flag: setting.flag, text: f.text, origin: f.origin };
    candidates.push({ value: valueFromFlag(setting, f.value), source });
  }
  for (const drop of [...input.configDir].reverse()) {
    const raw = getPath(drop.data, path);
    if (raw !== undefined) candidates.push({ value: asScalar(raw), source: { kind: 'config-dir', file: drop.file, ...lineField(drop.lineOf(path)) } });
  }
  if (input.config) {
    const raw = getPath(input.config.data, path);
    if (raw !== undefined) candidates.push({ value: asScalar(raw), source: { kind: 'config-file', file: input.config.file, ...lineField(input.config.lineOf(path)) } });
  }
  const withConfig = input.hasConfigFlag;
  candidates.push({
    value: withConfig ? setting.defaults.withConfig : setting.defaults.withoutConfig,
    source: { kind: 'default', withConfig },
  });

  const [winner, ...overridden] = candidates as [SourcedValue, ...SourcedValue[]];
  return { setting: setting.setting, flag: setting.flag, value: winner.value, source: winner.source, overridden };
}

function lineField(line: number | undefined): { line?: number } {
  return line === undefined ? {} : { line };
}
