/**
 * A CIS control as data (plans/*.yaml). The engine knows nothing about any particular control:
 * adding a control is adding a file.
 */
export type SettingType = 'string' | 'boolean' | 'integer';

/** What makes a value compliant. Exactly one of the keys is set. */
export type Requirement =
  | { equals: string | boolean | number }
  | { notIn: (string | boolean | number)[] }
  | { in: (string | boolean | number)[] };

export interface ControlSetting {
  /** KubeletConfiguration field path, dotted, e.g. "authorization.mode". */
  setting: string;
  /** The equivalent command-line flag, with dashes, e.g. "--authorization-mode". */
  flag: string;
  type: SettingType;
  /** What the kubelet uses when nothing sets it: with a --config file, and without (legacy flags). */
  defaults: { withConfig: string | boolean | number; withoutConfig: string | boolean | number };
  require: Requirement;
  /** The value written to make it compliant. */
  fix: string | boolean | number;
  /** Values the kubelet accepts at all (a written value outside this set would stop the kubelet). */
  allowed?: (string | boolean | number)[];
}

export interface BenchmarkRef {
  benchmark: string;
  id: string;
}

export interface Control {
  /** Stable identifier used in findings, e.g. "kubelet-authorization-mode". */
  id: string;
  title: string;
  benchmarks: BenchmarkRef[];
  /** Display only: why it matters; never drives behaviour. */
  rationale?: string;
  settings: ControlSetting[];
  /** Where the control was loaded from, for error messages. */
  file: string;
}
