/**
 * Applies one node's reviewed plan: lock, check nothing moved since the plan, back up, write
 * atomically, reload, restart, wait until stable, verify, and plan again. Once a file has been
 * written, any failure restores the backups and brings the kubelet back up on them: no node is
 * left half-changed. A dry run runs the read-only checks for real and lists every other command.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { readFiles } from '../facts/gather.js';
import { validateKubeletConfig } from '../kubelet/config-validate.js';
import type { FileFact } from '../facts/types.js';
import { applyLineEdits } from '../plan/edit/line-edits.js';
import { sha256 } from '../plan/file-change.js';
import type { FileChange, NodePlan } from '../plan/types.js';
import type { ExecResult, Transport } from '../transport/transport.js';
import type { ApplyEventSink } from './events.js';
import { kubeletErrorLines, maskLines } from './journal.js';
import { acquireNodeLock, chooseLockMethod, LockBusyError, type NodeLock } from './node-lock.js';
import * as R from './remote-steps.js';
import {
  STEP_ORDER,
  type BackupRecord,
  type NodeApplyRecord,
  type StepId,
  type StepOutcome,
  type StepRecord,
} from './record.js';
import { stepTitles, untouchedRecord } from './steps.js';
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

/** A step's failure; `kind` decides the node's outcome when nothing was written yet. */
class StepFailure extends Error {
  constructor(
    message: string,
    readonly kind: 'failed' | 'stale' | 'aborted' = 'failed',
    readonly details?: string[],
  ) {
    super(message);
    this.name = 'StepFailure';
  }
}

/** Thrown out of a step once it is recorded, to stop the sequence. */
class StepStopped extends Error {
  constructor(
    readonly step: StepId,
    readonly failure: StepFailure,
  ) {
    super(failure.message);
  }
}

type StepDone = string | { message: string; details?: string[]; outcome?: StepOutcome };

const STALE = 'changed since the plan was made: run fix plan again';

function short(hash: string | undefined): string {
  return hash ? `${hash.slice(0, 12)}…` : 'none';
}

function value(v: unknown): string {
  return v === null || v === undefined ? '(unset)' : String(v);
}

function octal(mode: string | undefined): number | undefined {
  return mode === undefined ? undefined : parseInt(mode, 8);
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1) ?? '';
}

function needsDaemonReload(node: NodePlan): boolean {
  return node.needsDaemonReload || node.changes.some((c) => c.needsDaemonReload);
}

function needsRestart(node: NodePlan): boolean {
  return node.needsRestart || node.changes.length > 0;
}

class NodeRun {
  private readonly timing: ApplyTiming;
  private readonly now: () => Date;
  private readonly titles: Record<StepId, string>;
  private readonly unit: string;
  private readonly record: NodeApplyRecord;
  private readonly steps = new Map<StepId, StepRecord>();
  private current: StepRecord | undefined;
  private t: Transport | undefined;
  private lock: NodeLock | undefined;
  private readonly facts = new Map<string, FileFact>();
  private readonly contents = new Map<string, string>();
  private readonly backups = new Map<string, BackupRecord>();
  private readonly written: FileChange[] = [];
  private reloaded = false;
  private restarted = false;
  private since: string | undefined;
  private after: UnitState | undefined;
  private readonly token: string;

  constructor(
    private readonly node: NodePlan,
    private readonly deps: NodeApplyDeps,
  ) {
    this.timing = { ...DEFAULT_TIMING, ...deps.timing };
    this.now = deps.now ?? (() => new Date());
    this.titles = stepTitles(node);
    this.unit = node.kubelet?.unit ?? 'kubelet.service';
    this.record = { node: node.name, outcome: 'failed', steps: [], files: [], backups: [] };
    this.token = `${deps.applyId}.${randomBytes(6).toString('hex')}`;
  }

  private get dryRun(): boolean {
    return this.deps.dryRun === true;
  }

  private emit: ApplyEventSink = (e) => this.deps.onEvent?.(e);

  private transport(): Transport {
    if (!this.t) throw new StepFailure('not connected');
    return this.t;
  }

  /** Runs one step, records it, and turns any error into StepStopped. */
  private async step(id: StepId, body: () => Promise<StepDone>): Promise<void> {
    const rec: StepRecord = { step: id, title: this.titles[id], outcome: 'ok', startedAt: this.now().toISOString(), finishedAt: '', message: '', commands: [] };
    this.current = rec;
    this.emit({ type: 'step-start', node: this.node.name, step: id, title: rec.title });
    try {
      if (this.lock?.method === 'mkdir') await this.lock.heartbeat();
      const done = await body();
      const d = typeof done === 'string' ? { message: done } : done;
      rec.outcome = d.outcome ?? (this.dryRun && id !== 'preflight' && id !== 'connect' ? 'dry-run' : 'ok');
      rec.message = d.message;
      if (d.details?.length) rec.details = d.details;
    } catch (err) {
      const failure = err instanceof StepFailure ? err : new StepFailure(err instanceof Error ? err.message : String(err));
      rec.outcome = 'failed';
      rec.message = failure.message;
      if (failure.details?.length) rec.details = failure.details;
      throw new StepStopped(id, failure);
    } finally {
      rec.finishedAt = this.now().toISOString();
      this.steps.set(id, rec);
      this.current = undefined;
      this.emit({ type: 'step-end', node: this.node.name, step: rec });
    }
  }

  private note(line: string): void {
    const rec = this.current;
    if (!rec || rec.commands.includes(line)) return;
    rec.commands.push(line);
    this.emit({ type: 'step-output', node: this.node.name, step: rec.step, line });
  }

  /** Runs a command; a status outside `ok` fails the step with the command's own error text. */
  private async exec(c: R.RemoteCommand, what: string, ok: (number | null)[] = [0]): Promise<ExecResult> {
    this.note(R.describeCommand(c, c.stdin === undefined ? undefined : sha256(c.stdin)));
    const r = await this.transport().exec(c.command, {
      sudo: c.sudo,
      ...(c.stdin === undefined ? {} : { stdin: c.stdin }),
      ...(c.timeoutMs === undefined ? {} : { timeoutMs: c.timeoutMs }),
    });
    if (!ok.includes(r.code)) {
      const why = lastLine(r.stderr) || lastLine(r.stdout);
      throw new StepFailure(`${what} failed (${r.code === null ? 'killed' : `exit ${r.code}`})${why ? `: ${why}` : ''}`);
    }
    // sudo with use_pty, or a login shell on a pty, can turn "\n" into "\r\n".
    return { ...r, stdout: r.stdout.replace(/\r\n/g, '\n'), stderr: r.stderr.replace(/\r\n/g, '\n') };
  }

  /** Dry run: show the command that would run. */
  private would(c: R.RemoteCommand): void {
    this.note(R.describeCommand(c, c.stdin === undefined ? undefined : sha256(c.stdin)));
  }

  async run(connect: () => Promise<Transport>): Promise<NodeApplyRecord> {
    this.record.startedAt = this.now().toISOString();
    this.emit({ type: 'node-start', node: this.node.name });
    try {
      await this.step('connect', () => this.connect(connect));
      await this.step('lock', () => this.takeLock());
      await this.step('preflight', () => this.preflight());
      if (this.dryRun) {
        await this.showRemainingSteps();
        this.record.outcome = 'would-apply';
      } else {
        await this.step('backup', () => this.backup());
        await this.step('write', () => this.write());
        await this.step('daemon-reload', () => this.daemonReload());
        await this.step('restart', () => this.restart());
        await this.step('wait-active', () => this.waitActive());
        await this.step('verify', () => this.verify());
        await this.step('status', () => this.status());
        await this.step('plan-again', () => this.planAgain());
        this.record.outcome = 'applied';
      }
    } catch (err) {
      if (!(err instanceof StepStopped)) throw err;
      this.record.failedStep = err.step;
      this.record.reason = `${this.titles[err.step]}: ${err.failure.message}`;
      if (this.written.length > 0) await this.rollback();
      else this.record.outcome = err.failure.kind;
    } finally {
      if (this.lock || (this.dryRun && this.steps.get('lock')?.outcome === 'dry-run')) {
        await this.step('unlock', () => this.unlock()).catch(() => undefined);
      }
      this.finish();
    }
    return this.record;
  }

  private async connect(connect: () => Promise<Transport>): Promise<StepDone> {
    const planned = this.node.identity?.hostKeyFingerprint;
    if (!planned) throw new StepFailure('the plan has no host key for this node: run fix plan again');
    this.t = await connect();
    const id = this.t.identity;
    this.record.hostKeyFingerprint = id.hostKeyFingerprint;
    if (id.hostKeyFingerprint !== planned) {
      throw new StepFailure(`host key ${id.hostKeyFingerprint} is not the one in the plan (${planned})`);
    }
    return `${id.user}@${id.address}:${id.port}, host key ${id.hostKeyFingerprint} as planned`;
  }

  private lockOwner(): string {
    return `kubelet-fix apply ${this.deps.applyId} from ${hostname()} pid ${process.pid}, since ${this.now().toISOString()}`;
  }

  private async takeLock(): Promise<StepDone> {
    const run = (c: R.RemoteCommand) => this.exec(c, 'lock command', [0, 1]);
    if (this.dryRun) {
      const { method, note } = this.deps.lockMethod && this.deps.lockMethod !== 'auto' ? { method: this.deps.lockMethod, note: undefined } : await chooseLockMethod(run);
      this.would(method === 'flock' ? R.lockHolder(this.token, this.lockOwner(), this.timing.lockWaitSec, this.timing.lockMaxHoldSec) : R.tryMkdirLock(this.token, this.lockOwner()));
      return `would take the ${method} lock${note ? ` (${note})` : ''}`;
    }
    const t = this.transport();
    try {
      const lock = await acquireNodeLock({
        token: this.token,
        ownerInfo: this.lockOwner(),
        waitSec: this.timing.lockWaitSec,
        maxHoldSec: this.timing.lockMaxHoldSec,
        staleSec: this.timing.mkdirLockStaleSec,
        method: this.deps.lockMethod ?? 'auto',
        ...(this.deps.signal ? { signal: this.deps.signal } : {}),
        run: async (c) => {
          const r = await run(c);
          return r;
        },
        start: (c) => {
          this.note(R.describeCommand(c));
          return t.exec(c.command, { sudo: c.sudo, ...(c.timeoutMs === undefined ? {} : { timeoutMs: c.timeoutMs }) });
        },
      });
      this.lock = lock;
      return `${lock.method} lock held${lock.note ? ` (${lock.note})` : ''}`;
    } catch (err) {
      if (err instanceof LockBusyError) throw new StepFailure(err.message, this.deps.signal?.aborted ? 'aborted' : 'failed');
      throw err;
    }
  }

  private async unlock(): Promise<StepDone> {
    if (this.dryRun) {
      this.would(R.releaseFlock(this.token));
      return 'would release the lock';
    }
    await this.lock?.release();
    this.lock = undefined;
    return 'released';
  }

  private async preflight(): Promise<StepDone> {
    const t = this.transport();
    const changes = this.node.changes;
    const paths = changes.map((c) => c.path);
    for (const p of paths) {
      if (!p.startsWith('/') || /[\n\0]/.test(p)) throw new StepFailure(`invalid plan: ${JSON.stringify(p)} is not an absolute path`);
    }
    const dup = paths.find((p, i) => paths.indexOf(p) !== i);
    if (dup) throw new StepFailure(`invalid plan: ${dup} is changed twice`);

    const read = this.deps.readFiles ?? readFilesOnly;
    if (paths.length) this.note(`(read-only) read ${paths.join(', ')}: sha256, mode, owner, content`);
    const facts = paths.length ? await read(t, paths) : [];
    const stale: string[] = [];
    for (const c of changes) {
      const f = facts.find((x) => x.path === c.path);
      if (!f || !f.exists) {
        stale.push(`${c.path} no longer exists`);
        continue;
      }
      if (f.error !== undefined || f.content === undefined) throw new StepFailure(`cannot read ${c.path}: ${f.error ?? 'no content'}`);
      if (f.sha256 !== c.sha256Before) stale.push(`${c.path} has sha256 ${short(f.sha256)}, the plan was made against ${short(c.sha256Before)}`);
      this.facts.set(c.path, f);
    }
    if (stale.length) throw new StepFailure(`${STALE} (${stale.join('; ')})`, 'stale', stale);

    this.note('(read-only) plan the node again: the running kubelet must be the one planned against');
    const current = await this.deps.replan(t);
    if (current.status === 'error') throw new StepFailure(`cannot plan the node again: ${current.error ?? 'unknown error'}`);
    if (this.node.kubelet && current.kubelet?.argvSha256 !== this.node.kubelet.argvSha256) {
      throw new StepFailure(`${STALE} (the running kubelet's command line is not the one the plan was made against)`, 'stale');
    }

    const ndr = parseShow((await this.exec(R.showNeedDaemonReload(this.unit), 'systemctl show')).stdout).get('NeedDaemonReload');
    if (ndr === 'yes' && !needsDaemonReload(this.node)) {
      throw new StepFailure(`${STALE} (systemd reports NeedDaemonReload=yes: a unit file changed on disk and is not loaded yet)`, 'stale');
    }

    for (const c of changes) {
      const before = this.facts.get(c.path)!.content!;
      let content: string;
      try {
        content = c.contentAfter ?? applyLineEdits(before, c.edits);
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
      this.contents.set(c.path, content);
      this.record.files.push({ path: c.path, sha256Before: c.sha256Before, sha256After: c.sha256After });
    }
    return `${changes.length} file(s) as planned (sha256), kubelet command line as planned, new contents hash as planned`;
  }

  private backupDir(): string {
    return R.backupDirFor(this.deps.startedAt ?? new Date(this.record.startedAt!), this.deps.applyId);
  }

  private abortCheck(): void {
    if (this.deps.signal?.aborted) throw new StepFailure('interrupted before any change', 'aborted');
  }

  private async backup(): Promise<StepDone> {
    if (this.node.changes.length === 0) return { message: 'no file to change (restart only)', outcome: 'skipped' };
    this.abortCheck();
    const dir = this.backupDir();
    const details: string[] = [];
    for (const c of this.node.changes) {
      const backup = R.backupPath(dir, c.path);
      const r = await this.exec(R.backupFile(c.path, backup), `backing up ${c.path}`);
      const hash = r.stdout.trim().split(/\s+/)[0];
      if (hash !== c.sha256Before) throw new StepFailure(`the backup of ${c.path} has sha256 ${short(hash)}, expected ${short(c.sha256Before)}`);
      const b: BackupRecord = { path: c.path, backupPath: backup, sha256: hash };
      this.backups.set(c.path, b);
      this.record.backups.push(b);
      details.push(`${c.path} → ${backup}`);
    }
    return { message: `backed up to ${dir} (owner, mode and times kept)`, details };
  }

  /** Writes one file and checks what landed on disk: the planned hash, the old owner and mode. */
  private async replace(c: FileChange, source: { stdin: string } | { backup: string }, expected: string, what: string): Promise<string> {
    const r = await this.exec(R.atomicReplace(c.path, source), what);
    const [hashLine = '', statLine = ''] = r.stdout.trim().split('\n');
    const hash = hashLine.trim().split(/\s+/)[0];
    if (hash !== expected) throw new StepFailure(`${c.path} has sha256 ${short(hash)} on disk after ${what}, expected ${short(expected)}`);
    const [mode, owner, group] = statLine.trim().split(/\s+/);
    const f = this.facts.get(c.path);
    if (f && (octal(mode) !== octal(f.mode) || (f.owner && owner !== f.owner) || (f.group && group !== f.group))) {
      throw new StepFailure(`${c.path} is mode ${mode} ${owner}:${group} after ${what}, it was ${f.mode} ${f.owner}:${f.group}`);
    }
    const fr = this.record.files.find((x) => x.path === c.path);
    if (fr) fr.sha256Final = hash!;
    return `${c.path}: sha256 ${short(hash)}, mode ${mode} ${owner}:${group}`;
  }

  private async write(): Promise<StepDone> {
    if (this.node.changes.length === 0) return { message: 'no file to change (restart only)', outcome: 'skipped' };
    this.abortCheck();
    const details: string[] = [];
    for (const c of this.node.changes) {
      // Counted as written before the command runs: a write cut off half-way is restored too.
      this.written.push(c);
      details.push(await this.replace(c, { stdin: this.contents.get(c.path)! }, c.sha256After, 'the write'));
    }
    return { message: 'written (temp file, fsync, rename, fsync dir) and checked on disk', details };
  }

  private async checkNoPendingReload(after: string): Promise<string> {
    const ndr = parseShow((await this.exec(R.showNeedDaemonReload(this.unit), 'systemctl show')).stdout).get('NeedDaemonReload');
    if (ndr === 'yes') throw new StepFailure(`systemd still reports NeedDaemonReload=yes ${after}`);
    return ndr === undefined || ndr === '' ? 'NeedDaemonReload not reported by this systemd' : `NeedDaemonReload=${ndr}`;
  }

  private async daemonReload(): Promise<StepDone> {
    if (needsDaemonReload(this.node)) {
      this.reloaded = true;
      await this.exec(R.daemonReload(), 'systemctl daemon-reload');
      return `systemctl daemon-reload; ${await this.checkNoPendingReload('after daemon-reload')}`;
    }
    return `not needed (no unit file or drop-in changed); ${await this.checkNoPendingReload('although no unit file was planned to change')}`;
  }

  private async unitState(): Promise<UnitState> {
    return parseUnitState((await this.exec(R.showUnitState(this.unit), 'systemctl show')).stdout);
  }

  private async restart(): Promise<StepDone> {
    if (!needsRestart(this.node)) return { message: 'no restart needed', outcome: 'skipped' };
    const before = await this.unitState();
    this.record.kubelet = { before: { activeState: before.activeState, subState: before.subState, mainPid: before.mainPid, ...(before.nRestarts === undefined ? {} : { nRestarts: before.nRestarts }) } };
    this.since = (await this.exec(R.nodeClock(), 'reading the node clock')).stdout.trim();
    this.restarted = true;
    await this.exec(R.restartUnit(this.unit), `systemctl restart ${this.unit}`);
    return `restarted (was MainPID ${before.mainPid})`;
  }

  private async waitStable(): Promise<UnitState> {
    const watch = new StabilityWatch({ checks: this.timing.stableChecks });
    const deadline = Date.now() + this.timing.activeTimeoutMs;
    for (;;) {
      const s = await this.unitState();
      const v = watch.look(s);
      if (v.kind === 'stable') return v.state;
      if (v.kind === 'failed') throw new StepFailure(v.reason);
      if (Date.now() >= deadline) throw new StepFailure(`not active and stable after ${Math.round(this.timing.activeTimeoutMs / 1000)} s (${describeState(s)})`);
      await sleep(this.timing.stableIntervalMs);
    }
  }

  private async waitActive(): Promise<StepDone> {
    const s = await this.waitStable();
    this.after = s;
    this.record.kubelet = { ...this.record.kubelet, after: { activeState: s.activeState, subState: s.subState, mainPid: s.mainPid, ...(s.nRestarts === undefined ? {} : { nRestarts: s.nRestarts }) } };
    return `${describeState(s)}, unchanged over ${this.timing.stableChecks} looks ${this.timing.stableIntervalMs / 1000} s apart`;
  }

  private async journal(): Promise<string[]> {
    if (!this.since) return [];
    const r = await this.exec(R.journalSince(this.unit, this.since), 'journalctl', [0, 1]);
    return maskLines(r.stdout.split('\n').filter((l) => l.trim() !== ''));
  }

  private async verify(): Promise<StepDone> {
    const np = await this.deps.replan(this.transport());
    const problems: string[] = [];
    if (np.status === 'error') problems.push(`planning failed: ${np.error ?? 'unknown error'}`);
    for (const f of np.findings) {
      if (!f.compliant) problems.push(`${f.setting} = ${value(f.value)} (${f.source})`);
      if (f.runningValue !== undefined) problems.push(`the running kubelet has ${f.setting} = ${value(f.runningValue)}, the files say ${value(f.value)}`);
    }
    if (!np.kubelet || np.kubelet.pid <= 0) problems.push('the kubelet is not running');
    else if (this.after && np.kubelet.pid !== this.after.mainPid) {
      problems.push(`the running kubelet (pid ${np.kubelet.pid}) is not the process systemd started (MainPID ${this.after.mainPid})`);
    }
    const fatal = kubeletErrorLines(await this.journal(), 'fatal');
    if (fatal.length) problems.push(`the kubelet logged: ${fatal[0]}`);
    if (problems.length) throw new StepFailure(problems[0]!, 'failed', problems);
    const values = np.findings.map((f) => `${f.setting} = ${value(f.value)}`).join(', ');
    return `${values} (running kubelet pid ${np.kubelet?.pid ?? 0}, same as the files)`;
  }

  private async status(): Promise<StepDone> {
    const r = await this.exec(R.unitStatus(this.unit), 'systemctl status', [0, 1, 2, 3, 4]);
    this.record.status = { exitCode: r.code, output: maskLines((r.stdout + r.stderr).split('\n')).join('\n') };
    const active = r.stdout.split('\n').find((l) => /^\s*Active:/.test(l))?.trim() ?? '';
    if (r.code !== 0) throw new StepFailure(`systemctl status exited ${String(r.code)} (not active)${active ? `: ${active}` : ''}`);
    return active || 'active';
  }

  private async planAgain(): Promise<StepDone> {
    const np = await this.deps.replan(this.transport());
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

  private async showRemainingSteps(): Promise<void> {
    const changes = this.node.changes;
    const dir = this.backupDir();
    await this.step('backup', async () => {
      if (changes.length === 0) return { message: 'no file to change (restart only)', outcome: 'skipped' };
      for (const c of changes) this.would(R.backupFile(c.path, R.backupPath(dir, c.path)));
      return `would back up ${changes.length} file(s) to ${dir}`;
    });
    await this.step('write', async () => {
      if (changes.length === 0) return { message: 'no file to change (restart only)', outcome: 'skipped' };
      for (const c of changes) this.would(R.atomicReplace(c.path, { stdin: this.contents.get(c.path)! }));
      return { message: 'would write each file atomically and check its sha256 on disk', details: changes.map((c) => `${c.path}: sha256 ${c.sha256After}`) };
    });
    await this.step('daemon-reload', async () => {
      if (needsDaemonReload(this.node)) this.would(R.daemonReload());
      this.would(R.showNeedDaemonReload(this.unit));
      return needsDaemonReload(this.node) ? 'would run systemctl daemon-reload' : 'not needed (no unit file or drop-in changed)';
    });
    await this.step('restart', async () => {
      if (!needsRestart(this.node)) return { message: 'no restart needed', outcome: 'skipped' };
      this.would(R.showUnitState(this.unit));
      this.would(R.nodeClock());
      this.would(R.restartUnit(this.unit));
      return `would restart ${this.unit}`;
    });
    await this.step('wait-active', async () => {
      this.would(R.showUnitState(this.unit));
      return `would look every ${this.timing.stableIntervalMs / 1000} s until active with the same MainPID and NRestarts ${this.timing.stableChecks} times (up to ${this.timing.activeTimeoutMs / 1000} s)`;
    });
    await this.step('verify', async () => {
      this.would(R.journalSince(this.unit, '<time of the restart>'));
      return 'would plan the node again: every finding compliant, the running kubelet equal to the files, no start-up error in its log';
    });
    await this.step('status', async () => {
      this.would(R.unitStatus(this.unit));
      return 'would record systemctl status';
    });
    await this.step('plan-again', async () => 'would plan the node again and require nothing left to change');
  }

  /** Puts the old files back and brings the kubelet up on them; the node's outcome follows. */
  private async rollback(): Promise<void> {
    let journal: string[] = [];
    try {
      journal = await this.journal();
    } catch {
      // The log is an explanation, not a condition of rolling back.
    }
    // The kubelet echoes its whole command line as FLAG: lines first; they explain nothing here.
    const told = journal.filter((l) => !/\] FLAG: --/.test(l));
    if (told.length) this.record.journal = told.slice(-30);
    const errors = [...new Set(kubeletErrorLines(journal, 'error'))].slice(-3);
    if (errors.length) this.record.reason = `${this.record.reason ?? ''}; kubelet log: ${errors.join(' | ')}`;
    try {
      await this.step('rollback', async () => {
        const details: string[] = [];
        for (const c of [...this.written].reverse()) {
          const b = this.backups.get(c.path);
          if (!b) throw new StepFailure(`no backup of ${c.path}`);
          details.push(`restored ${await this.replace(c, { backup: b.backupPath }, c.sha256Before, 'the restore')} from ${b.backupPath}`);
        }
        if (this.reloaded) {
          await this.exec(R.daemonReload(), 'systemctl daemon-reload');
          details.push(`systemctl daemon-reload; ${await this.checkNoPendingReload('after daemon-reload')}`);
        }
        let s: UnitState;
        if (this.restarted) {
          await this.exec(R.restartUnit(this.unit), `systemctl restart ${this.unit}`);
          s = await this.waitStable();
          details.push(`restarted: ${describeState(s)}, stable`);
        } else {
          s = await this.unitState();
          if (s.activeState !== 'active') throw new StepFailure(`the kubelet is not active (${describeState(s)})`);
          details.push(`not restarted (the kubelet never ran the new files): ${describeState(s)}`);
        }
        const np = await this.deps.replan(this.transport());
        if (this.node.kubelet && np.kubelet?.argvSha256 !== this.node.kubelet.argvSha256) {
          throw new StepFailure('after the rollback the kubelet does not run the command line it ran before the apply');
        }
        const st = await this.exec(R.unitStatus(this.unit), 'systemctl status', [0, 1, 2, 3, 4]);
        this.record.status = { exitCode: st.code, output: maskLines((st.stdout + st.stderr).split('\n')).join('\n') };
        if (st.code !== 0) throw new StepFailure(`systemctl status exited ${String(st.code)} after the rollback`);
        return { message: `old files back (sha256 checked), kubelet active on its previous configuration (MainPID ${s.mainPid})`, details };
      });
      this.record.outcome = 'rolled-back';
    } catch (err) {
      if (!(err instanceof StepStopped)) throw err;
      this.record.outcome = 'rollback-failed';
      this.record.reason = `${this.record.reason ?? ''}; ROLLBACK FAILED: ${err.failure.message}; backups: ${this.record.backups.map((b) => b.backupPath).join(', ')}`;
    }
  }

  /** Every step appears once, in order; those that did not run say why. */
  private finish(): void {
    const at = this.now().toISOString();
    const why = (id: StepId): string => {
      if (id === 'rollback') return 'nothing to roll back';
      if (this.record.outcome === 'stale' || this.record.outcome === 'failed' || this.record.outcome === 'aborted') return 'not run: nothing was changed';
      return 'not run';
    };
    this.record.steps = STEP_ORDER.map((id) => {
      const done = this.steps.get(id);
      if (done) return done;
      const skipped: StepRecord = { step: id, title: this.titles[id], outcome: 'skipped', startedAt: at, finishedAt: at, message: why(id), commands: [] };
      this.emit({ type: 'step-end', node: this.node.name, step: skipped });
      return skipped;
    });
    this.record.finishedAt = at;
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
  const run = new NodeRun(node, deps);
  try {
    return await run.run(async () => {
      opened = await connect();
      return opened;
    });
  } finally {
    if (close && opened) await opened.close().catch(() => undefined);
  }
}
