import type { ArgOrigin } from '../kubelet/types.js';

/** Where an effective value comes from, most specific first. */
export type SettingSource =
  | { kind: 'flag'; flag: string; text: string; origin: ArgOrigin }
  | { kind: 'config-dir'; file: string; line?: number }
  | { kind: 'config-file'; file: string; line?: number }
  | { kind: 'default'; withConfig: boolean };

export interface SourcedValue {
  value: string | boolean | number | undefined;
  source: SettingSource;
}

/** The value a setting really has, the source that wins and the ones it overrides. */
export interface EffectiveSetting {
  setting: string;
  flag: string;
  value: string | boolean | number | undefined;
  source: SettingSource;
  /** Lower-precedence definitions that the winning source overrides, highest first. */
  overridden: SourcedValue[];
}

/** The kubelet's configuration as one view (running process, or what a restart would start). */
export interface KubeletView {
  /** Full argv (argv[0] is the binary) with origins. */
  argv: { value: string; origin: ArgOrigin }[];
  configPath?: string;
  configDirPath?: string;
  settings: Record<string, EffectiveSetting>;
}
