/**
 * Undoing a node apply after its first write: the backups go back (atomically, hash-checked),
 * systemd reloads if it had, the kubelet restarts if it had, and it must come up stable on the
 * command line it ran before. The kubelet's own error lines from the failed start explain why.
 */
import { kubeletErrorLines } from './journal.js';
import { checkNoPendingReload, journal, recordStatus, replaceFile, unitState, waitStable, type NodeState } from './node-ops.js';
import * as R from './remote-steps.js';
import { StepFailure, StepStopped, type StepRunner } from './step-runner.js';
import { describeState, type UnitState } from './unit-state.js';

async function kubeletSaid(run: StepRunner, s: NodeState): Promise<void> {
  let lines: string[] = [];
  try {
    lines = await journal(run, s);
  } catch {
    // The log is an explanation, not a condition of rolling back.
  }
  // The kubelet echoes its whole command line as FLAG: lines first; they explain nothing here.
  const told = lines.filter((l) => !/\] FLAG: --/.test(l));
  if (told.length) s.record.journal = told.slice(-30);
  const errors = [...new Set(kubeletErrorLines(lines, 'error'))].slice(-3);
  if (errors.length) s.record.reason = `${s.record.reason ?? ''}; kubelet log: ${errors.join(' | ')}`;
}

/** Sets the record's outcome: "rolled-back", or "rollback-failed" with where the backups are. */
export async function rollBack(run: StepRunner, s: NodeState): Promise<void> {
  await kubeletSaid(run, s);
  try {
    await run.step('rollback', async () => {
      const details: string[] = [];
      for (const c of [...s.written].reverse()) {
        const b = s.backups.get(c.path);
        if (!b) throw new StepFailure(`no backup of ${c.path}`);
        details.push(`restored ${await replaceFile(run, s, c, { backup: b.backupPath }, c.sha256Before, 'the restore')} from ${b.backupPath}`);
      }
      if (s.reloaded) {
        await run.exec(R.daemonReload(), 'systemctl daemon-reload');
        details.push(`systemctl daemon-reload; ${await checkNoPendingReload(run, s.unit, 'after daemon-reload')}`);
      }
      let state: UnitState;
      if (s.restarted) {
        await run.exec(R.restartUnit(s.unit), `systemctl restart ${s.unit}`);
        state = await waitStable(run, s);
        details.push(`restarted: ${describeState(state)}, stable`);
      } else {
        state = await unitState(run, s.unit);
        if (state.activeState !== 'active') throw new StepFailure(`the kubelet is not active (${describeState(state)})`);
        details.push(`not restarted (the kubelet never ran the new files): ${describeState(state)}`);
      }
      const np = await s.replan(run.transport);
      if (s.node.kubelet && np.kubelet?.argvSha256 !== s.node.kubelet.argvSha256) {
        throw new StepFailure('after the rollback the kubelet does not run the command line it ran before the apply');
      }
      const status = await recordStatus(run, s);
      if (status.code !== 0) throw new StepFailure(`systemctl status exited ${String(status.code)} after the rollback`);
      return { message: `old files back (sha256 checked), kubelet active on its previous configuration (MainPID ${state.mainPid})`, details };
    });
    s.record.outcome = 'rolled-back';
  } catch (err) {
    if (!(err instanceof StepStopped)) throw err;
    s.record.outcome = 'rollback-failed';
    s.record.reason = `${s.record.reason ?? ''}; ROLLBACK FAILED: ${err.failure.message}; backups: ${s.record.backups.map((b) => b.backupPath).join(', ')}`;
  }
}
