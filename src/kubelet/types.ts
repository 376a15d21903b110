/** Where one argument of the kubelet's command line was written. */
export type ArgOrigin =
  /** Literally in the effective ExecStart= line. */
  | { kind: 'exec-start'; file: string; line: number }
  /** From $VAR / ${VAR} in ExecStart, whose winning value is an Environment= assignment. */
  | { kind: 'environment'; variable: string; file: string; line: number }
  /** From $VAR / ${VAR} in ExecStart, whose winning value comes from an EnvironmentFile=. */
  | { kind: 'environment-file'; variable: string; file: string; line: number }
  /** Seen only in the running process (no file explains it). */
  | { kind: 'process' };

/** One command-line argument with its origin. */
export interface Arg {
  value: string;
  origin: ArgOrigin;
}

/** One flag occurrence on the kubelet's command line, as pflag reads it. */
export interface FlagOccurrence {
  /** Without dashes, e.g. "authorization-mode". */
  name: string;
  /** The value pflag gives it ("true" for a bare boolean flag). */
  value: string;
  /** How it was written: "--authorization-mode=AlwaysAllow" or "--authorization-mode AlwaysAllow". */
  text: string;
  /** Index into the argv (after argv[0]) of the flag token; the value token follows when separate. */
  index: number;
  separateValue: boolean;
  origin: ArgOrigin;
  /** Origin of the value token when written `--k v` (may differ if split across variables). */
  valueOrigin?: ArgOrigin;
}
