/**
 * A dry run's steps after the (real, read-only) checks: each records the exact commands the
 * real run would send, built by the same builders, with writes shown as size and sha256.
 */
import { needsDaemonReload, needsRestart, type NodeState } from './node-ops.js';
import * as R from './remote-steps.js';
import type { StepRunner } from './step-runner.js';

export async function listRemainingSteps(run: StepRunner, s: NodeState, backupDir: string): Promise<void> {
  const changes = s.node.changes;
  const unit = s.unit;
  const noFile = { message: 'no file to change (restart only)', outcome: 'skipped' as const };
  await run.step('backup', async () => {
    if (changes.length === 0) return noFile;
    for (const c of changes) run.would(R.backupFile(c.path, R.backupPath(backupDir, c.path)));
    return `would back up ${changes.length} file(s) to ${backupDir}`;
  });
  await run.step('write', async () => {
    if (changes.length === 0) return noFile;
    for (const c of changes) run.would(R.atomicReplace(c.path, { stdin: s.contents.get(c.path)! }));
    return { message: 'would write each file atomically and check its sha256 on disk', details: changes.map((c) => `${c.path}: sha256 ${c.sha256After}`) };
  });
  await run.step('daemon-reload', async () => {
    if (needsDaemonReload(s.node)) run.would(R.daemonReload());
    run.would(R.showNeedDaemonReload(unit));
    return needsDaemonReload(s.node) ? 'would run systemctl daemon-reload' : 'not needed (no unit file or drop-in changed)';
  });
  await run.step('restart', async () => {
    if (!needsRestart(s.node)) return { message: 'no restart needed', outcome: 'skipped' };
    run.would(R.showUnitState(unit));
    run.would(R.nodeClock());
    run.would(R.restartUnit(unit));
    return `would restart ${unit}`;
  });
  await run.step('wait-active', async () => {
    run.would(R.showUnitState(unit));
    const t = s.timing;
    return `would look every ${t.stableIntervalMs / 1000} s until active with the same MainPID and NRestarts ${t.stableChecks} times (up to ${t.activeTimeoutMs / 1000} s)`;
  });
  await run.step('verify', async () => {
    run.would(R.journalSince(unit, '<time of the restart>'));
    return 'would plan the node again: every finding compliant, the running kubelet equal to the files, no start-up error in its log';
  });
  await run.step('status', async () => {
    run.would(R.unitStatus(unit));
    return 'would record systemctl status';
  });
  await run.step('plan-again', async () => 'would plan the node again and require nothing left to change');
}
