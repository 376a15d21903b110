/**
 * The running kubelet's argv (/proc/PID/cmdline) with origins borrowed from the argv predicted
 * from the unit files. When they are equal, every argument is explained 1:1. When they differ (the
 * files changed since the kubelet started, or a restart without daemon-reload), arguments are
 * aligned with a longest common subsequence; those with no counterpart get {kind: 'process'}.
 */
import type { Arg } from './types.js';

export interface AttributedArgv {
  argv: Arg[];
  /** The running command line is not what a restart would start. */
  argvDiffers: boolean;
}

export function attributeRunningArgv(running: string[], predicted: Arg[]): AttributedArgv {
  const n = running.length;
  const m = predicted.length;
  const same = n === m && running.every((v, i) => v === predicted[i]?.value);
  if (same) return { argv: running.map((value, i) => ({ value, origin: (predicted[i] as Arg).origin })), argvDiffers: false };

  // lcs[i][j] = LCS length of running[i..] and predicted[j..].
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] = running[i] === predicted[j]?.value
        ? (lcs[i + 1]?.[j + 1] ?? 0) + 1
        : Math.max(lcs[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const argv: Arg[] = [];
  let i = 0;
  let j = 0;
  while (i < n) {
    const value = running[i] as string;
    if (j < m && value === predicted[j]?.value) {
      argv.push({ value, origin: (predicted[j] as Arg).origin });
      i++;
      j++;
    } else if (j < m && (lcs[i]?.[j + 1] ?? 0) >= (lcs[i + 1]?.[j] ?? 0)) {
      j++;
    } else {
      argv.push({ value, origin: { kind: 'process' } });
      i++;
    }
  }
  return { argv, argvDiffers: true };
}
