/**
 * Runs a node's steps one at a time and records each: start and end times, outcome, message,
 * and every command run on the node (or, in a dry run, that would run), in order. Any error in
 * a step becomes that step's failure, so the node's record always says which step failed and why.
 */
import { sha256 } from '../plan/file-change.js';
import type { ExecResult, Transport } from '../transport/transport.js';
import type { ApplyEventSink } from './events.js';
import { describeCommand, type RemoteCommand } from './remote-steps.js';
import { STEP_ORDER, type StepId, type StepOutcome, type StepRecord } from './record.js';

/** A step's failure; `kind` decides the node's outcome when nothing was written yet. */
export class StepFailure extends Error {
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
export class StepStopped extends Error {
  constructor(
    readonly step: StepId,
    readonly failure: StepFailure,
  ) {
    super(failure.message);
    this.name = 'StepStopped';
  }
}

export type StepDone = string | { message: string; details?: string[]; outcome?: StepOutcome };

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1) ?? '';
}

export interface StepRunnerOptions {
  node: string;
  titles: Record<StepId, string>;
  dryRun: boolean;
  now: () => Date;
  emit: ApplyEventSink;
}

export class StepRunner {
  private readonly steps = new Map<StepId, StepRecord>();
  private current: StepRecord | undefined;
  private t: Transport | undefined;
  /** Runs before each step's body (the mkdir lock's heartbeat). */
  beforeStep: (() => Promise<void>) | undefined;

  constructor(private readonly o: StepRunnerOptions) {}

  get dryRun(): boolean {
    return this.o.dryRun;
  }

  get transport(): Transport {
    if (!this.t) throw new StepFailure('not connected');
    return this.t;
  }

  set transport(t: Transport) {
    this.t = t;
  }

  outcomeOf(id: StepId): StepOutcome | undefined {
    return this.steps.get(id)?.outcome;
  }

  async step(id: StepId, body: () => Promise<StepDone>): Promise<void> {
    const rec: StepRecord = { step: id, title: this.o.titles[id], outcome: 'ok', startedAt: this.o.now().toISOString(), finishedAt: '', message: '', commands: [] };
    this.current = rec;
    this.o.emit({ type: 'step-start', node: this.o.node, step: id, title: rec.title });
    try {
      await this.beforeStep?.();
      const done = await body();
      const d = typeof done === 'string' ? { message: done } : done;
      // In a dry run only the read-only steps (connect, preflight) really ran.
      rec.outcome = d.outcome ?? (this.o.dryRun && id !== 'preflight' && id !== 'connect' ? 'dry-run' : 'ok');
      rec.message = d.message;
      if (d.details?.length) rec.details = d.details;
    } catch (err) {
      const failure = err instanceof StepFailure ? err : new StepFailure(err instanceof Error ? err.message : String(err));
      rec.outcome = 'failed';
      rec.message = failure.message;
      if (failure.details?.length) rec.details = failure.details;
      throw new StepStopped(id, failure);
    } finally {
      rec.finishedAt = this.o.now().toISOString();
      this.steps.set(id, rec);
      this.current = undefined;
      this.o.emit({ type: 'step-end', node: this.o.node, step: rec });
    }
  }

  /** A line of the current step's record (commands, read-only actions), shown as it happens. */
  note(line: string): void {
    const rec = this.current;
    if (!rec || rec.commands.includes(line)) return;
    rec.commands.push(line);
    this.o.emit({ type: 'step-output', node: this.o.node, step: rec.step, line });
  }

  /** Runs a command; a status outside `ok` fails the step with the command's own error text. */
  async exec(c: RemoteCommand, what: string, ok: (number | null)[] = [0]): Promise<ExecResult> {
    this.note(describeCommand(c, c.stdin === undefined ? undefined : sha256(c.stdin)));
    const r = await this.transport.exec(c.command, {
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

  /** Starts a long-running command (the lock holder) without waiting for it; recorded like exec. */
  start(c: RemoteCommand): Promise<ExecResult> {
    this.note(describeCommand(c));
    return this.transport.exec(c.command, { sudo: c.sudo, ...(c.timeoutMs === undefined ? {} : { timeoutMs: c.timeoutMs }) });
  }

  /** Dry run: record the command that would run. */
  would(c: RemoteCommand): void {
    this.note(describeCommand(c, c.stdin === undefined ? undefined : sha256(c.stdin)));
  }

  /** Every step once, in order; those that did not run are "skipped" with the reason `why` gives. */
  finish(why: (id: StepId) => string): StepRecord[] {
    const at = this.o.now().toISOString();
    return STEP_ORDER.map((id) => {
      const done = this.steps.get(id);
      if (done) return done;
      const skipped: StepRecord = { step: id, title: this.o.titles[id], outcome: 'skipped', startedAt: at, finishedAt: at, message: why(id), commands: [] };
      this.o.emit({ type: 'step-end', node: this.o.node, step: skipped });
      return skipped;
    });
  }
}
