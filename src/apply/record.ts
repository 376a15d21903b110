/**
 * What an apply did, kept as a JSON file so an operator can see afterwards what happened on each
 * node: every step with its times and outcome, where the backups are, the final status. It holds
 * no file contents (hashes only) and no stdin; kubelet log lines are masked like plan diffs.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';

export const APPLY_RECORD_FORMAT_VERSION = 1 as const;

export type StepId =
  | 'connect'
  | 'lock'
  | 'preflight'
  | 'backup'
  | 'write'
  | 'daemon-reload'
  | 'restart'
  | 'wait-active'
  | 'verify'
  | 'status'
  | 'plan-again'
  | 'rollback'
  | 'unlock';

/** The order steps run in (rollback only when a step after the first write failed). */
export const STEP_ORDER: readonly StepId[] = [
  'connect', 'lock', 'preflight', 'backup', 'write', 'daemon-reload', 'restart', 'wait-active', 'verify', 'status', 'plan-again', 'rollback', 'unlock',
];

export type StepOutcome = 'ok' | 'failed' | 'skipped' | 'dry-run';

export interface StepRecord {
  step: StepId;
  title: string;
  outcome: StepOutcome;
  startedAt: string;
  finishedAt: string;
  /** One line: what was found or done, or why it failed / was skipped. */
  message: string;
  /** Further lines (per-file results, rollback sub-steps). */
  details?: string[];
  /** Commands run (or, in a dry run, that would run), in order; stdin shown as size and sha256. */
  commands: string[];
}

export type NodeOutcome =
  /** Changed, restarted, verified compliant, and a new plan shows nothing to do. */
  | 'applied'
  /** A dry run found the node ready: the plan still matches, the new contents hash as planned. */
  | 'would-apply'
  /** Plan status "compliant": nothing to do, not contacted. */
  | 'skipped'
  /** Plan status "error": it has no changes that could be applied. */
  | 'not-applied'
  /** Its files or kubelet changed since the plan was made; left untouched. */
  | 'stale'
  /** Failed before any change (connect, lock, preflight): left untouched. */
  | 'failed'
  /** A step after the first write failed; the old files are back and the kubelet runs on them. */
  | 'rolled-back'
  /** A step failed and so did the rollback: needs a person (the record says where the backups are). */
  | 'rollback-failed'
  /** Not started: the rollout stopped (failure budget spent, canary failed, or interrupted). */
  | 'not-started'
  /** Interrupted before any change: left untouched. */
  | 'aborted';

export interface BackupRecord {
  path: string;
  backupPath: string;
  sha256: string;
}

export interface FileRecord {
  path: string;
  sha256Before: string;
  sha256After: string;
  /** What was on disk at the end of the apply (after a rollback: the restored file). */
  sha256Final?: string;
}

export interface UnitSnapshot {
  activeState: string;
  subState: string;
  mainPid: number;
  /** Absent on systemd older than 235. */
  nRestarts?: number;
}

export interface NodeApplyRecord {
  node: string;
  outcome: NodeOutcome;
  /** Why the node is not "applied": the step that failed and what it said. */
  reason?: string;
  failedStep?: StepId;
  startedAt?: string;
  finishedAt?: string;
  hostKeyFingerprint?: string;
  steps: StepRecord[];
  files: FileRecord[];
  backups: BackupRecord[];
  kubelet?: { before?: UnitSnapshot; after?: UnitSnapshot };
  /** `systemctl status` at the end of the apply (or of the rollback). */
  status?: { exitCode: number | null; output: string };
  /** The kubelet's own log lines from the failed start, masked. */
  journal?: string[];
}

export interface ApplySummary {
  nodes: number;
  applied: number;
  wouldApply: number;
  skipped: number;
  stale: number;
  failed: number;
  rolledBack: number;
  rollbackFailed: number;
  notApplied: number;
  notStarted: number;
  aborted: number;
}

export interface ApplyRecord {
  formatVersion: typeof APPLY_RECORD_FORMAT_VERSION;
  tool: { name: 'kubelet-fix'; version: string };
  applyId: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  plan: { createdAt: string; file?: string };
  options: { parallel: number; maxFailures: number; canary?: string };
  interrupted: boolean;
  /** Why the rollout stopped early, when it did. */
  stoppedBecause?: string;
  nodes: NodeApplyRecord[];
  summary: ApplySummary;
  /** Every planned node ended compliant and verified (or, dry run: would apply). */
  ok: boolean;
}

export function summarize(nodes: NodeApplyRecord[]): ApplySummary {
  const count = (o: NodeOutcome) => nodes.filter((n) => n.outcome === o).length;
  return {
    nodes: nodes.length,
    applied: count('applied'),
    wouldApply: count('would-apply'),
    skipped: count('skipped'),
    stale: count('stale'),
    failed: count('failed'),
    rolledBack: count('rolled-back'),
    rollbackFailed: count('rollback-failed'),
    notApplied: count('not-applied'),
    notStarted: count('not-started'),
    aborted: count('aborted'),
  };
}

/** Default file name: kubelet-fix-apply-<timestamp>.json, sortable and safe on every filesystem. */
export function defaultRecordPath(startedAt: Date, cwd: string = process.cwd()): string {
  const ts = startedAt.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
  return resolve(cwd, `kubelet-fix-apply-${ts}.json`);
}

/**
 * Writes the record (temp file + rename, so a reader never sees half a record). Mode 0600: the
 * status output shows the kubelet's command line, which is the operator's business only.
 */
export async function writeApplyRecord(record: ApplyRecord, path: string = defaultRecordPath(new Date(record.startedAt))): Promise<string> {
  const target = resolve(path);
  const tmp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(`${JSON.stringify(record, null, 2)}\n`);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  await rename(tmp, target);
  return target;
}
