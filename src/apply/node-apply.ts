/**
 * Applies one node's reviewed plan: lock, check nothing moved since the plan, back up, write
 * atomically, reload, restart, wait until stable, verify, and plan again. Once a file has been
 * written, any failure restores the backups and brings the kubelet back up on them: no node is
 * left half-changed. A dry run runs the read-only checks for real and lists every other command.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { readFiles } from '../facts/gather.js';
import type { FileFact } from '../facts/types.js';
import { validateKubeletConfig } from '../kubelet/config-validate.js';
import { applyLineEdits } from '../plan/edit/line-edits.js';
import { sha256 } from '../plan/file-change.js';
import type { NodePlan } from '../plan/types.js';
import type { Transport } from '../transport/transport.js';
import { listRemainingSteps } from './dry-run-steps.js';
import type { ApplyEventSink } from './events.js';
import { kubeletErrorLines } from './journal.js';
import { acquireNodeLock, chooseLockMethod, LockBusyError, type NodeLock } from './node-lock.js';
import {
  checkNoPendingReload,
  DEFAULT_TIMING,
  journal,
  needsDaemonReload,
  needsRestart,
  recordStatus,
  replaceFile,
  short,
  unitState,
  waitStable,
  type ApplyTiming,
  type NodeState,
} from './node-ops.js';
import type { NodeApplyRecord, StepId, UnitSnapshot } from './record.js';
import * as R from './remote-steps.js';
import { rollBack } from './rollback.js';
import { StepFailure, StepRunner, StepStopped, type StepDone } from './step-runner.js';
import { stepTitles, untouchedRecord } from './steps.js';
import { describeState, parseShow, type UnitState } from './unit-state.js';

export { DEFAULT_TIMING, type ApplyTiming } from './node-ops.js';

export type ReadFiles = (t: Transport, paths: string[]) => Promise<FileFact[]>;

const readFilesOnly: ReadFiles = async (t, paths) => (await readFiles(t, paths, [])).files;

export interface NodeApplyDeps {
  /** Plans the node again from what it is now (the planner, injected). */
  replan: (t: Transport) => Promise<NodePlan>;
  /** Reads files with sha256, mode, owner and content; default: the facts reader. */
  readFiles?: ReadFiles;
  /** Shared by every node of one apply: names the backup directory and the lock owner. */
  applyId: string;
  /** When the apply started (names the backup directory); defaults to now. */
  startedAt?: Date;
  now?: () => Date;
  /** Stops a node before its first change; after that the node is finished or rolled back. */
  signal?: AbortSignal;
  dryRun?: boolean;
  onEvent?: ApplyEventSink;
  timing?: Partial<ApplyTiming>;
  lockMethod?: 'auto' | 'flock' | 'mkdir';
}

const STALE = 'changed since the plan was made: run fix plan again';

function value(v: unknown): string {
  return v === null || v === undefined ? '(unset)' : String(v);
}

function snapshot(s: UnitState): UnitSnapshot {
  return { activeState: s.activeState, subState: s.subState, mainPid: s.mainPid, ...(s.nRestarts === undefined ? {} : { nRestarts: s.nRestarts }) };
}

class NodeRun {
  private readonly s: NodeState;
  private readonly run: StepRunner;
  private readonly now: () => Date;
  private readonly token: string;
  private lock: NodeLock | undefined;

  constructor(
    private readonly node: NodePlan,
    private readonly deps: NodeApplyDeps,
  ) {
    this.now = deps.now ?? (() => new Date());
    this.token = `${deps.applyId}.${randomBytes(6).toString('hex')}`;
    this.s = {
      node,
      unit: node.kubelet?.unit ?? 'kubelet.service',
      timing: { ...DEFAULT_TIMING, ...deps.timing },
      record: { node: node.name, outcome: 'failed', steps: [], files: [], backups: [] },
      replan: deps.replan,
      facts: new Map(),
      contents: new Map(),
      backups: new Map(),
      written: [],
      reloaded: false,
      restarted: false,
    };
    this.run = new StepRunner({
      node: node.name,
      titles: stepTitles(node),
      dryRun: deps.dryRun === true,
      now: this.now,
      emit: (e) => deps.onEvent?.(e),
    });
  }

  async apply(connect: () => Promise<Transport>): Promise<NodeApplyRecord> {
    const { record } = this.s;
    const run = this.run;
    record.startedAt = this.now().toISOString();
    this.deps.onEvent?.({ type: 'node-start', node: this.node.name });
    try {
      await run.step('connect', () => this.connect(connect));
      await run.step('lock', () => this.takeLock());
      await run.step('preflight', () => this.preflight());
      if (run.dryRun) {
        await listRemainingSteps(run, this.s, this.backupDir());
        record.outcome = 'would-apply';
      } else {
        await run.step('backup', () => this.backup());
        await run.step('write', () => this.write());
        await run.step('daemon-reload', () => this.daemonReload());
        await run.step('restart', () => this.restart());
        await run.step('wait-active', () => this.waitActive());
        await run.step('verify', () => this.verify());
        await run.step('status', () => this.status());
        await run.step('plan-again', () => this.planAgain());
        record.outcome = 'applied';
      }
    } catch (err) {
      if (!(err instanceof StepStopped)) throw err;
      record.failedStep = err.step;
      record.reason = `${stepTitles(this.node)[err.step]}: ${err.failure.message}`;
      if (this.s.written.length > 0) await rollBack(run, this.s);
      else record.outcome = err.failure.kind;
    } finally {
      if (this.lock || run.outcomeOf('lock') === 'dry-run') {
        await run.step('unlock', () => this.unlock()).catch(() => undefined);
      }
      const untouched = record.outcome === 'stale' || record.outcome === 'failed' || record.outcome === 'aborted';
      record.steps = run.finish((id: StepId) => (id === 'rollback' ? 'nothing to roll back' : untouched ? 'not run: nothing was changed' : 'not run'));
      record.finishedAt = this.now().toISOString();
    }
    return record;
  }

  private async connect(connect: () => Promise<Transport>): Promise<StepDone> {
    const planned = this.node.identity?.hostKeyFingerprint;
    if (!planned) throw new StepFailure('the plan has no host key for this node: run fix plan again');
    const t = await connect();
    this.run.transport = t;
    const id = t.identity;
    this.s.record.hostKeyFingerprint = id.hostKeyFingerprint;
    // The transport was told to insist on this key; checked again here, where it matters.
    if (id.hostKeyFingerprint !== planned) throw new StepFailure(`host key ${id.hostKeyFingerprint} is not the one in the plan (${planned})`);
    return `${id.user}@${id.address}:${id.port}, host key ${id.hostKeyFingerprint} as planned`;
  }

  private lockOwner(): string {
    return `kubelet-fix apply ${this.deps.applyId} from ${hostname()} pid ${process.pid}, since ${this.now().toISOString()}`;
  }

  private async takeLock(): Promise<StepDone> {
    const run = this.run;
    const lockCommand = (c: R.RemoteCommand) => run.exec(c, 'lock command', [0, 1]);
    const t = this.s.timing;
    if (run.dryRun) {
      const chosen = this.deps.lockMethod && this.deps.lockMethod !== 'auto' ? { method: this.deps.lockMethod } : await chooseLockMethod(lockCommand);
      run.would(chosen.method === 'flock' ? R.lockHolder(this.token, this.lockOwner(), t.lockWaitSec, t.lockMaxHoldSec) : R.tryMkdirLock(this.token, this.lockOwner()));
      return `would take the ${chosen.method} lock${'note' in chosen && chosen.note ? ` (${chosen.note})` : ''}`;
    }
    try {
      const lock = await acquireNodeLock({
        token: this.token,
        ownerInfo: this.lockOwner(),
        waitSec: t.lockWaitSec,
        maxHoldSec: t.lockMaxHoldSec,
        staleSec: t.mkdirLockStaleSec,
        method: this.deps.lockMethod ?? 'auto',
        ...(this.deps.signal ? { signal: this.deps.signal } : {}),
        run: lockCommand,
        start: (c) => run.start(c),
      });
      this.lock = lock;
      if (lock.method === 'mkdir') run.beforeStep = () => lock.heartbeat();
      return `${lock.method} lock held${lock.note ? ` (${lock.note})` : ''}`;
    } catch (err) {
      if (err instanceof LockBusyError) throw new StepFailure(err.message, this.deps.signal?.aborted ? 'aborted' : 'failed');
      throw err;
    }
  }

  private async unlock(): Promise<StepDone> {
    if (this.run.dryRun) {
      this.run.would(R.releaseFlock(this.token));
      return 'would release the lock';
    }
    this.run.beforeStep = undefined;
    await this.lock?.release();
    this.lock = undefined;
    return 'released';
  }

  /** Read-only: the files, the running kubelet and systemd are as planned; the new contents hash as planned. */
  private async preflight(): Promise<StepDone> {
    const run = this.run;
    const { record, facts, contents } = this.s;
    const changes = this.node.changes;
    const paths = changes.map((c) => c.path);
    for (const p of paths) {
      if (!p.startsWith('/') || /[\n\0]/.test(p)) throw new StepFailure(`invalid plan: ${JSON.stringify(p)} is not an absolute path`);
    }
    const dup = paths.find((p, i) => paths.indexOf(p) !== i);
    if (dup) throw new StepFailure(`invalid plan: ${dup} is changed twice`);

    if (paths.length) run.note(`(read-only) read ${paths.join(', ')}: sha256, mode, owner, content`);
    const read = paths.length ? await (this.deps.readFiles ?? readFilesOnly)(run.transport, paths) : [];
    const stale: string[] = [];
    for (const c of changes) {
      const f = read.find((x) => x.path === c.path);
      if (!f || !f.exists) {
        stale.push(`${c.path} no longer exists`);
        continue;
      }
      if (f.error !== undefined || f.content === undefined) throw new StepFailure(`cannot read ${c.path}: ${f.error ?? 'no content'}`);
      if (f.sha256 !== c.sha256Before) stale.push(`${c.path} has sha256 ${short(f.sha256)}, the plan was made against ${short(c.sha256Before)}`);
      facts.set(c.path, f);
    }
    if (stale.length) throw new StepFailure(`${STALE} (${stale.join('; ')})`, 'stale', stale);

    run.note('(read-only) plan the node again: the running kubelet must be the one planned against');
    const current = await this.deps.replan(run.transport);
    if (current.status === 'error') throw new StepFailure(`cannot plan the node again: ${current.error ?? 'unknown error'}`);
    if (this.node.kubelet && current.kubelet?.argvSha256 !== this.node.kubelet.argvSha256) {
      throw new StepFailure(`${STALE} (the running kubelet's command line is not the one the plan was made against)`, 'stale');
    }
    const ndr = parseShow((await run.exec(R.showNeedDaemonReload(this.s.unit), 'systemctl show')).stdout).get('NeedDaemonReload');
    if (ndr === 'yes' && !needsDaemonReload(this.node)) {
      throw new StepFailure(`${STALE} (systemd reports NeedDaemonReload=yes: a unit file changed on disk and is not loaded yet)`, 'stale');
    }

    for (const c of changes) {
      let content: string;
      try {
        content = c.contentAfter ?? applyLineEdits(facts.get(c.path)!.content!, c.edits);
      } catch (err) {
        throw new StepFailure(`cannot rebuild the new content of ${c.path} from the plan's line edits: ${(err as Error).message}`);
      }
      if (sha256(content) !== c.sha256After) {
        throw new StepFailure(`the new content of ${c.path} does not hash to the plan's sha256After (${short(c.sha256After)}): the plan file was edited or is corrupt`);
      }
      // The planner checked this already; a plan file edited by hand (hash and all) is checked again.
      if (c.format === 'json' || c.format === 'yaml') {
        const { errors } = validateKubeletConfig(c.path, content);
        if (errors.length) throw new StepFailure(`the new content of ${c.path} would stop the kubelet: ${errors.join('; ')}`, 'failed', errors);
      }
      contents.set(c.path, content);
      record.files.push({ path: c.path, sha256Before: c.sha256Before, sha256After: c.sha256After });
    }
    return `${changes.length} file(s) as planned (sha256), kubelet command line as planned, new contents hash as planned`;
  }

  private backupDir(): string {
    return R.backupDirFor(this.deps.startedAt ?? new Date(this.s.record.startedAt!), this.deps.applyId);
  }

  /** Ctrl-C is honoured up to the first write; after it the node is finished or rolled back. */
  private abortCheck(): void {
    if (this.deps.signal?.aborted) throw new StepFailure('interrupted before any change', 'aborted');
  }

  private async backup(): Promise<StepDone> {
    if (this.node.changes.length === 0) return { message: 'no file to change (restart only)', outcome: 'skipped' };
    this.abortCheck();
    const dir = this.backupDir();
    const details: string[] = [];
    for (const c of this.node.changes) {
      const backupPath = R.backupPath(dir, c.path);
      const r = await this.run.exec(R.backupFile(c.path, backupPath), `backing up ${c.path}`);
      const hash = r.stdout.trim().split(/\s+/)[0] ?? '';
      if (hash !== c.sha256Before) throw new StepFailure(`the backup of ${c.path} has sha256 ${short(hash)}, expected ${short(c.sha256Before)}`);
      const b = { path: c.path, backupPath, sha256: hash };
      this.s.backups.set(c.path, b);
      this.s.record.backups.push(b);
      details.push(`${c.path} → ${backupPath}`);
    }
    return { message: `backed up to ${dir} (owner, mode and times kept)`, details };
  }

  private async write(): Promise<StepDone> {
    if (this.node.changes.length === 0) return { message: 'no file to change (restart only)', outcome: 'skipped' };
    this.abortCheck();
    const details: string[] = [];
    for (const c of this.node.changes) {
      // Counted as written before the command runs: a write cut off half-way is restored too.
      this.s.written.push(c);
      details.push(await replaceFile(this.run, this.s, c, { stdin: this.s.contents.get(c.path)! }, c.sha256After, 'the write'));
    }
    return { message: 'written (temp file, fsync, rename, fsync dir) and checked on disk', details };
  }

  private async daemonReload(): Promise<StepDone> {
    if (needsDaemonReload(this.node)) {
      this.s.reloaded = true;
      await this.run.exec(R.daemonReload(), 'systemctl daemon-reload');
      return `systemctl daemon-reload; ${await checkNoPendingReload(this.run, this.s.unit, 'after daemon-reload')}`;
    }
    return `not needed (no unit file or drop-in changed); ${await checkNoPendingReload(this.run, this.s.unit, 'although no unit file was planned to change')}`;
  }

  private async restart(): Promise<StepDone> {
    if (!needsRestart(this.node)) return { message: 'no restart needed', outcome: 'skipped' };
    const before = await unitState(this.run, this.s.unit);
    this.s.record.kubelet = { before: snapshot(before) };
    this.s.since = (await this.run.exec(R.nodeClock(), 'reading the node clock')).stdout.trim();
    this.s.restarted = true;
    await this.run.exec(R.restartUnit(this.s.unit), `systemctl restart ${this.s.unit}`);
    return `restarted (was MainPID ${before.mainPid})`;
  }

  private async waitActive(): Promise<StepDone> {
    const state = await waitStable(this.run, this.s);
    this.s.after = state;
    this.s.record.kubelet = { ...this.s.record.kubelet, after: snapshot(state) };
    const t = this.s.timing;
    return `${describeState(state)}, unchanged over ${t.stableChecks} looks ${t.stableIntervalMs / 1000} s apart`;
  }

  /** The running kubelet, as the planner reads it from /proc and its files, is compliant and is the one systemd started. */
  private async verify(): Promise<StepDone> {
    const np = await this.deps.replan(this.run.transport);
    const problems: string[] = [];
    if (np.status === 'error') problems.push(`planning failed: ${np.error ?? 'unknown error'}`);
    for (const f of np.findings) {
      if (!f.compliant) problems.push(`${f.setting} = ${value(f.value)} (${f.source})`);
      if (f.runningValue !== undefined) problems.push(`the running kubelet has ${f.setting} = ${value(f.runningValue)}, the files say ${value(f.value)}`);
    }
    const after = this.s.after;
    if (!np.kubelet || np.kubelet.pid <= 0) problems.push('the kubelet is not running');
    else if (after && np.kubelet.pid !== after.mainPid) {
      problems.push(`the running kubelet (pid ${np.kubelet.pid}) is not the process systemd started (MainPID ${after.mainPid})`);
    }
    const fatal = kubeletErrorLines(await journal(this.run, this.s), 'fatal');
    if (fatal.length) problems.push(`the kubelet logged: ${fatal[0]}`);
    if (problems.length) throw new StepFailure(problems[0]!, 'failed', problems);
    const values = np.findings.map((f) => `${f.setting} = ${value(f.value)}`).join(', ');
    return `${values} (running kubelet pid ${np.kubelet?.pid ?? 0}, same as the files)`;
  }

  private async status(): Promise<StepDone> {
    const { code, active } = await recordStatus(this.run, this.s);
    if (code !== 0) throw new StepFailure(`systemctl status exited ${String(code)} (not active)${active ? `: ${active}` : ''}`);
    return active || 'active';
  }

  /** Idempotency: planning the node now finds nothing to do. */
  private async planAgain(): Promise<StepDone> {
    const np = await this.deps.replan(this.run.transport);
    const left = [
      ...np.changes.map((c) => `${c.path}: ${c.reason}`),
      ...np.restartReasons.map((r) => `restart: ${r}`),
      ...(np.status === 'error' ? [`planning failed: ${np.error ?? 'unknown error'}`] : []),
    ];
    if (np.status !== 'compliant' || left.length > 0) {
      throw new StepFailure(`the plan is not empty after the apply (${left[0] ?? `status ${np.status}`})`, 'failed', left);
    }
    return 'compliant, nothing to change';
  }
}

/**
 * Applies `node` through a transport the caller already has (and keeps open). Nodes whose plan
 * status is not "changes" are not touched.
 */
export async function applyNode(t: Transport, node: NodePlan, deps: NodeApplyDeps): Promise<NodeApplyRecord> {
  return applyNodeVia(async () => t, node, deps, false);
}

/** Like applyNode, connecting first (the connection is a recorded step) and closing at the end. */
export async function applyNodeVia(
  connect: () => Promise<Transport>,
  node: NodePlan,
  deps: NodeApplyDeps,
  close = true,
): Promise<NodeApplyRecord> {
  const now = deps.now ?? (() => new Date());
  if (node.status === 'compliant') return untouchedRecord(node, 'skipped', 'compliant in the plan: nothing to do', now());
  if (node.status === 'error') return untouchedRecord(node, 'not-applied', `the plan has an error for this node: ${node.error ?? 'unknown'}`, now());
  let opened: Transport | undefined;
  try {
    return await new NodeRun(node, deps).apply(async () => {
      opened = await connect();
      return opened;
    });
  } finally {
    if (close && opened) await opened.close().catch(() => undefined);
  }
}
