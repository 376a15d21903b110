/**
 * What one node apply knows as it goes, and the operations both the forward path and the
 * rollback use: replacing a file (checked on disk), reading the unit's state, waiting for the
 * kubelet to be up and stable, and reading its journal since the restart.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FileFact } from '../facts/types.js';
import type { FileChange, NodePlan } from '../plan/types.js';
import type { Transport } from '../transport/transport.js';
import { maskLines } from './journal.js';
import type { BackupRecord, NodeApplyRecord } from './record.js';
import * as R from './remote-steps.js';
import { StepFailure, type StepRunner } from './step-runner.js';
import { describeState, parseShow, parseUnitState, StabilityWatch, type UnitState } from './unit-state.js';

export interface ApplyTiming {
  /** How long a second apply waits for the node lock before giving up. */
  lockWaitSec: number;
  /** The lock holder lets go after this long whatever happens. */
  lockMaxHoldSec: number;
  /** mkdir fallback lock: no heartbeat for this long is reported as stale. */
  mkdirLockStaleSec: number;
  /** Consecutive looks, active and unchanged, before the kubelet counts as up. */
  stableChecks: number;
  stableIntervalMs: number;
  /** Give up waiting for the kubelet to come up after this long. */
  activeTimeoutMs: number;
}

export const DEFAULT_TIMING: ApplyTiming = {
  lockWaitSec: 60,
  lockMaxHoldSec: 3600,
  mkdirLockStaleSec: 900,
  stableChecks: 5,
  stableIntervalMs: 1000,
  activeTimeoutMs: 90_000,
};

/** One node's apply so far: what was read, written, reloaded and restarted, for the rollback. */
export interface NodeState {
  node: NodePlan;
  unit: string;
  timing: ApplyTiming;
  record: NodeApplyRecord;
  replan: (t: Transport) => Promise<NodePlan>;
  /** The files as read before the change (mode and owner to keep). */
  facts: Map<string, FileFact>;
  /** New content per path, computed and hash-checked before anything is written. */
  contents: Map<string, string>;
  backups: Map<string, BackupRecord>;
  /** Files whose write was started: each of these is restored on rollback. */
  written: FileChange[];
  reloaded: boolean;
  restarted: boolean;
  /** The node's clock just before the restart, for the journal. */
  since?: string;
  /** The unit once the restarted kubelet was stable. */
  after?: UnitState;
}

export function short(hash: string | undefined): string {
  return hash ? `${hash.slice(0, 12)}…` : 'none';
}

function octal(mode: string | undefined): number | undefined {
  return mode === undefined ? undefined : parseInt(mode, 8);
}

export function needsDaemonReload(node: NodePlan): boolean {
  return node.needsDaemonReload || node.changes.some((c) => c.needsDaemonReload);
}

export function needsRestart(node: NodePlan): boolean {
  return node.needsRestart || node.changes.length > 0;
}

/** Replaces one file atomically and checks what landed on disk: the expected hash, the old owner and mode. */
export async function replaceFile(
  run: StepRunner,
  s: NodeState,
  c: FileChange,
  source: { stdin: string } | { backup: string },
  expected: string,
  what: string,
): Promise<string> {
  const r = await run.exec(R.atomicReplace(c.path, source), what);
  const [hashLine = '', statLine = ''] = r.stdout.trim().split('\n');
  const hash = hashLine.trim().split(/\s+/)[0] ?? '';
  if (hash !== expected) throw new StepFailure(`${c.path} has sha256 ${short(hash)} on disk after ${what}, expected ${short(expected)}`);
  const [mode, owner, group] = statLine.trim().split(/\s+/);
  const f = s.facts.get(c.path);
  if (f && (octal(mode) !== octal(f.mode) || (f.owner && owner !== f.owner) || (f.group && group !== f.group))) {
    throw new StepFailure(`${c.path} is mode ${mode} ${owner}:${group} after ${what}, it was ${f.mode} ${f.owner}:${f.group}`);
  }
  const fr = s.record.files.find((x) => x.path === c.path);
  if (fr) fr.sha256Final = hash;
  return `${c.path}: sha256 ${short(hash)}, mode ${mode} ${owner}:${group}`;
}

export async function unitState(run: StepRunner, unit: string): Promise<UnitState> {
  return parseUnitState((await run.exec(R.showUnitState(unit), 'systemctl show')).stdout);
}

/** systemd has loaded every unit file change (after a daemon-reload, or when none was due). */
export async function checkNoPendingReload(run: StepRunner, unit: string, after: string): Promise<string> {
  const ndr = parseShow((await run.exec(R.showNeedDaemonReload(unit), 'systemctl show')).stdout).get('NeedDaemonReload');
  if (ndr === 'yes') throw new StepFailure(`systemd still reports NeedDaemonReload=yes ${after}`);
  return ndr === undefined || ndr === '' ? 'NeedDaemonReload not reported by this systemd' : `NeedDaemonReload=${ndr}`;
}

/** Looks at the unit every interval until the kubelet is up and unchanged, or clearly not coming up. */
export async function waitStable(run: StepRunner, s: NodeState): Promise<UnitState> {
  const watch = new StabilityWatch({ checks: s.timing.stableChecks });
  const deadline = Date.now() + s.timing.activeTimeoutMs;
  for (;;) {
    const state = await unitState(run, s.unit);
    const v = watch.look(state);
    if (v.kind === 'stable') return v.state;
    if (v.kind === 'failed') throw new StepFailure(v.reason);
    if (Date.now() >= deadline) {
      throw new StepFailure(`not active and stable after ${Math.round(s.timing.activeTimeoutMs / 1000)} s (${describeState(state)})`);
    }
    await sleep(s.timing.stableIntervalMs);
  }
}

/** The kubelet's log since the restart, masked; empty when there was no restart. */
export async function journal(run: StepRunner, s: NodeState): Promise<string[]> {
  if (!s.since) return [];
  const r = await run.exec(R.journalSince(s.unit, s.since), 'journalctl', [0, 1]);
  return maskLines(r.stdout.split('\n').filter((l) => l.trim() !== ''));
}

export async function recordStatus(run: StepRunner, s: NodeState): Promise<{ code: number | null; active: string }> {
  const r = await run.exec(R.unitStatus(s.unit), 'systemctl status', [0, 1, 2, 3, 4]);
  s.record.status = { exitCode: r.code, output: maskLines((r.stdout + r.stderr).split('\n')).join('\n') };
  return { code: r.code, active: r.stdout.split('\n').find((l) => /^\s*Active:/.test(l))?.trim() ?? '' };
}
