/**
 * `fix apply` when things go wrong, on real nodes: a kubelet that will not start on the new
 * files is rolled back and runs its old configuration again; a node changed since the plan is
 * left alone while the others apply; two applies on one node do not interleave; Ctrl-C never
 * leaves a node half-changed; nodes the plan cannot vouch for are not touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeApply } from '../../src/apply/describe.js';
import { acquireNodeLock, type LockOptions } from '../../src/apply/node-lock.js';
import type { RemoteCommand } from '../../src/apply/remote-steps.js';
import { sha256 } from '../../src/plan/file-change.js';
import { connect } from '../../src/transport/ssh-transport.js';
import type { Transport } from '../../src/transport/transport.js';
import { applyFor, fleetTargets, look, node, planFor } from './apply-support.js';
import { startFleet, type Fleet } from './fleet.js';

let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet([
    { name: 'f-bad', layout: 'eks', scenario: 'file-alwaysallow' },
    { name: 'f-next', layout: 'kubeadm', scenario: 'flag-alwaysallow' },
    { name: 'f-drift', layout: 'aks-config', scenario: 'file-alwaysallow' },
    { name: 'f-ok2', layout: 'aks-flags', scenario: 'flag-alwaysallow' },
    { name: 'f-lock', layout: 'eks', scenario: 'flag-alwaysallow' },
    { name: 'f-ab1', layout: 'kubeadm', scenario: 'file-alwaysallow' },
    { name: 'f-ab2', layout: 'kubeadm', scenario: 'file-alwaysallow' },
    { name: 'f-nofl', layout: 'flags-only', scenario: 'flag-alwaysallow' },
    { name: 'f-err', layout: 'eks', scenario: 'broken-config' },
    { name: 'f-edit', layout: 'eks', scenario: 'file-alwaysallow' },
    { name: 'f-key', layout: 'aks-flags', scenario: 'flag-space' },
  ]);
}, 600_000);

afterAll(async () => {
  await fleet?.stop();
});

/** Lock commands over a transport, as node-apply runs them. */
function lockOptions(t: Transport, token: string, ownerInfo: string, waitSec: number): LockOptions {
  const exec = (c: RemoteCommand) => t.exec(c.command, { sudo: c.sudo, ...(c.timeoutMs ? { timeoutMs: c.timeoutMs } : {}) });
  return { token, ownerInfo, waitSec, maxHoldSec: 600, staleSec: 900, method: 'flock', run: exec, start: exec };
}

async function lockHolders(name: string): Promise<string> {
  // The bracket keeps pgrep's own command line (which holds the pattern) from matching.
  return (await fleet.ssh(name, "pgrep -af '[k]ubelet-fix-lock' || true")).stdout.trim();
}

describe('fix apply: failures', () => {
  it('a kubelet that will not start on the new files is rolled back onto its old configuration, and the rollout stops', async () => {
    const plan = await planFor(fleet, ['f-bad', 'f-next']);
    // A change the planner would never make: a config the validator accepts but the kubelet
    // cannot start with (its client CA file does not exist). Hash and all, as if hand-edited.
    const change = node(plan, 'f-bad').changes.find((c) => c.path === '/etc/kubernetes/kubelet/kubelet-config.json')!;
    const content = change.contentAfter!.replace(/"clientCAFile": "[^"]*"/, '"clientCAFile": "/etc/kubernetes/pki/missing-ca.crt"');
    expect(content).not.toBe(change.contentAfter);
    change.contentAfter = content;
    change.sha256After = sha256(content);
    const bad0 = await look(fleet, 'f-bad');
    const next0 = await look(fleet, 'f-next');
    expect(bad0.mode).toBe('AlwaysAllow');

    const r = await applyFor(fleet, plan, { canary: 'f-bad' });
    expect(r.ok).toBe(false);
    const bad = r.record.nodes.find((n) => n.node === 'f-bad')!;
    expect(bad.outcome).toBe('rolled-back');
    expect(bad.failedStep).toBe('wait-active');
    expect(bad.reason).toMatch(/^Wait until the kubelet is active and stable: the kubelet exited \(ActiveState=\w+, SubState=auto-restart/);
    // The kubelet's own words, from its journal since the restart.
    expect(bad.reason).toContain('kubelet log: ');
    expect(bad.reason).toContain('missing-ca.crt');
    expect(bad.journal!.join('\n')).toContain('"command failed"');
    const rollback = bad.steps.find((s) => s.step === 'rollback')!;
    expect(rollback.outcome).toBe('ok');
    expect(rollback.details).toContain(
      `restored /etc/kubernetes/kubelet/kubelet-config.json: sha256 ${change.sha256Before.slice(0, 12)}…, mode 644 root:root from ${bad.backups[0]!.backupPath}`,
    );
    expect(bad.status?.exitCode).toBe(0);

    // On the node: the old bytes, a running kubelet, and it runs the old configuration.
    const bad1 = await look(fleet, 'f-bad');
    expect(bad1.files).toEqual(bad0.files);
    expect(bad1.activeState).toBe('active');
    expect(bad1.mainPid).not.toBe(bad0.mainPid);
    expect(bad1.mode).toBe('AlwaysAllow');
    const settled = await fleet.ssh('f-bad', 'sleep 6; systemctl show kubelet -p MainPID -p ActiveState');
    expect(settled.stdout).toContain(`MainPID=${bad1.mainPid}`);

    // The failure budget (0) is spent: the next node was not touched, and the record says why.
    const next = r.record.nodes.find((n) => n.node === 'f-next')!;
    expect(next.outcome).toBe('not-started');
    expect(next.reason).toBe('not started: 1 node failed (f-bad), more than --max-failures 0');
    const next1 = await look(fleet, 'f-next');
    expect(next1.files).toEqual(next0.files);
    expect(next1.mainPid).toBe(next0.mainPid);

    // What the operator reads names the node and the step.
    const text = describeApply(r.record);
    expect(text).toMatch(/^f-bad +rolled back +Wait until the kubelet is active and stable: .* \[step: wait-active\]$/m);
    expect(text).toContain('Not touched: f-next.');
  });

  it('a node whose files changed after planning is left untouched, and the others still apply', async () => {
    const plan = await planFor(fleet, ['f-drift', 'f-ok2']);
    // Someone edits the config after the plan was reviewed (still a valid file).
    await fleet.ssh('f-drift', "sudo sh -c 'printf \"\\n\" >> /etc/default/kubeletconfig.json'");
    const drift0 = await look(fleet, 'f-drift');

    const r = await applyFor(fleet, plan);
    expect(r.ok).toBe(false);
    const drift = r.record.nodes.find((n) => n.node === 'f-drift')!;
    expect(drift.outcome).toBe('stale');
    expect(drift.failedStep).toBe('preflight');
    expect(drift.reason).toMatch(/changed since the plan was made: run fix plan again \(\/etc\/default\/kubeletconfig\.json has sha256 [0-9a-f]{12}…, the plan was made against [0-9a-f]{12}…\)/);
    const drift1 = await look(fleet, 'f-drift');
    expect(drift1.files).toEqual(drift0.files);
    expect(drift1.mainPid).toBe(drift0.mainPid);
    expect(drift1.backups).toEqual([]);
    // Stale is not a failed change: the next node became the canary and applied.
    expect(r.record.nodes.find((n) => n.node === 'f-ok2')!.outcome).toBe('applied');
    expect((await look(fleet, 'f-ok2')).mode).toBe('Webhook');
  });

  it('a second apply on the same node at the same time fails clearly when it cannot wait', async () => {
    const plan = await planFor(fleet, ['f-lock']);
    let locked!: () => void;
    const aHasLock = new Promise<void>((resolve) => (locked = resolve));
    const a = applyFor(fleet, plan, { onEvent: (e) => e.type === 'step-end' && e.step.step === 'lock' && locked() });
    await aHasLock;
    const b = await applyFor(fleet, plan, { timing: { lockWaitSec: 2 } });
    const ra = await a;
    expect(ra.record.nodes[0]!.outcome, ra.record.nodes[0]!.reason).toBe('applied');
    const nb = b.record.nodes[0]!;
    expect(nb.outcome).toBe('failed');
    expect(nb.failedStep).toBe('lock');
    expect(nb.reason).toMatch(
      new RegExp(`another kubelet-fix apply holds /run/lock/kubelet-fix\\.lock \\(kubelet-fix apply ${ra.record.applyId} from \\S+ pid ${process.pid}, since [-\\d]+T[\\d:.]+Z\\); waited 2 s`),
    );
    expect(await lockHolders('f-lock')).toBe('');
  });

  it('... or waits for it, then finds the node changed under it and leaves it alone', async () => {
    await fleet.layout('f-lock', 'eks', 'flag-alwaysallow');
    const plan = await planFor(fleet, ['f-lock']);
    let locked!: () => void;
    const aHasLock = new Promise<void>((resolve) => (locked = resolve));
    const a = applyFor(fleet, plan, { onEvent: (e) => e.type === 'step-end' && e.step.step === 'lock' && locked() });
    await aHasLock;
    const b = await applyFor(fleet, plan, { timing: { lockWaitSec: 120 } });
    const ra = await a;
    expect(ra.record.nodes[0]!.outcome, ra.record.nodes[0]!.reason).toBe('applied');
    const nb = b.record.nodes[0]!;
    const lockStep = nb.steps.find((s) => s.step === 'lock')!;
    expect(lockStep.outcome, nb.reason).toBe('ok');
    // B got the lock only once A had finished with the node.
    expect(lockStep.finishedAt >= ra.record.nodes[0]!.steps.find((s) => s.step === 'plan-again')!.finishedAt).toBe(true);
    expect(nb.outcome).toBe('stale');
    expect(nb.reason).toContain('changed since the plan was made: run fix plan again');
    expect((await look(fleet, 'f-lock')).mode).toBe('Webhook');
  });

  it('the lock goes away with a connection that dies holding it', async () => {
    const target = (await fleetTargets(fleet, ['f-lock'])).get('f-lock')!;
    const t1 = await connect(target);
    const t2 = await connect(target);
    try {
      const first = await acquireNodeLock(lockOptions(t1, 'first-token', 'first holder', 5));
      expect(first.method).toBe('flock');
      await expect(acquireNodeLock(lockOptions(t2, 'second-token', 'second holder', 1))).rejects.toThrow(
        'another kubelet-fix apply holds /run/lock/kubelet-fix.lock (first holder); waited 1 s',
      );
      // The first holder's connection goes away without releasing (as when kubelet-fix is killed).
      await t1.close();
      const started = Date.now();
      const second = await acquireNodeLock(lockOptions(t2, 'second-token', 'second holder', 30));
      expect(Date.now() - started).toBeLessThan(10_000);
      await second.release();
      expect(await lockHolders('f-lock')).toBe('');
    } finally {
      await t1.close();
      await t2.close();
    }
  });

  it('without flock(1) on the node it uses a mkdir lock, says so, and reports a busy or stale one clearly', async () => {
    await fleet.ssh('f-nofl', 'sudo mv /usr/bin/flock /usr/bin/flock.hidden');
    try {
      const plan = await planFor(fleet, ['f-nofl']);
      const before = await look(fleet, 'f-nofl');
      // Another apply holds the node.
      await fleet.ssh(
        'f-nofl',
        "sudo sh -c 'mkdir -m 0700 /run/lock/kubelet-fix.lock.d && printf \"%s\\n%s\\n\" other-token \"kubelet-fix apply 0000 from elsewhere pid 1\" > /run/lock/kubelet-fix.lock.d/owner'",
      );
      const busy = await applyFor(fleet, plan, { timing: { lockWaitSec: 2 } });
      expect(busy.record.nodes[0]!.reason).toBe(
        'Lock the node (/run/lock/kubelet-fix.lock): another kubelet-fix apply holds /run/lock/kubelet-fix.lock.d (kubelet-fix apply 0000 from elsewhere pid 1); waited 2 s',
      );
      // Its owner stopped beating an hour ago: stale, reported with the way out, not broken.
      await fleet.ssh('f-nofl', "sudo touch -d '1 hour ago' /run/lock/kubelet-fix.lock.d/owner");
      const stale = await applyFor(fleet, plan, { timing: { lockWaitSec: 2 } });
      expect(stale.record.nodes[0]!.reason).toMatch(
        /stale lock \/run\/lock\/kubelet-fix\.lock\.d \(kubelet-fix apply 0000 from elsewhere pid 1, no heartbeat for 3\d{3} s\); if no kubelet-fix runs on this node, remove it: sudo rm -rf \/run\/lock\/kubelet-fix\.lock\.d$/,
      );
      expect((await look(fleet, 'f-nofl')).files).toEqual(before.files);

      await fleet.ssh('f-nofl', 'sudo rm -rf /run/lock/kubelet-fix.lock.d');
      const r = await applyFor(fleet, plan);
      const n = r.record.nodes[0]!;
      expect(n.outcome).toBe('applied');
      expect(n.steps.find((s) => s.step === 'lock')!.message).toBe(
        'mkdir lock held (flock(1) not found on the node (util-linux): using a mkdir lock at /run/lock/kubelet-fix.lock.d instead)',
      );
      const after = await look(fleet, 'f-nofl');
      expect(after.lockDirExists).toBe(false);
      expect(after.mode).toBe('Webhook');
    } finally {
      await fleet.ssh('f-nofl', 'sudo mv /usr/bin/flock.hidden /usr/bin/flock');
    }
  });

  it('Ctrl-C: the node in flight finishes, no new node starts; before the first change, the node is left as it was', async () => {
    const plan = await planFor(fleet, ['f-ab1', 'f-ab2']);
    const ab2 = await look(fleet, 'f-ab2');
    const ac = new AbortController();
    // Interrupted once f-ab1's files are written: it is finished (and verified), not abandoned.
    const r = await applyFor(fleet, plan, {
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'step-end' && e.node === 'f-ab1' && e.step.step === 'write') ac.abort();
      },
    });
    expect(r.ok).toBe(false);
    expect(r.record.interrupted).toBe(true);
    expect(r.record.nodes.map((n) => [n.node, n.outcome])).toEqual([['f-ab1', 'applied'], ['f-ab2', 'not-started']]);
    expect(r.record.nodes[1]!.reason).toBe('not started: interrupted');
    expect((await look(fleet, 'f-ab1')).mode).toBe('Webhook');
    expect((await look(fleet, 'f-ab2')).files).toEqual(ab2.files);

    const plan2 = await planFor(fleet, ['f-ab2']);
    const ac2 = new AbortController();
    const r2 = await applyFor(fleet, plan2, {
      signal: ac2.signal,
      onEvent: (e) => {
        if (e.type === 'step-end' && e.step.step === 'preflight') ac2.abort();
      },
    });
    const n = r2.record.nodes[0]!;
    expect(n.outcome).toBe('aborted');
    expect(n.reason).toBe('Back up 1 file: interrupted before any change');
    expect(n.steps.find((s) => s.step === 'unlock')!.outcome).toBe('ok');
    const after = await look(fleet, 'f-ab2');
    expect(after.files).toEqual(ab2.files);
    expect(after.mainPid).toBe(ab2.mainPid);
    expect(await lockHolders('f-ab2')).toBe('');
  });

  it('a node whose plan has an error is reported as not applied and not contacted', async () => {
    const plan = await planFor(fleet, ['f-err']);
    expect(plan.nodes[0]!.status).toBe('error');
    const before = await look(fleet, 'f-err');
    const r = await applyFor(fleet, plan);
    expect(r.ok).toBe(false);
    expect(r.record.nodes[0]!.outcome).toBe('not-applied');
    expect(r.record.nodes[0]!.reason).toContain('invalid kubelet config file /etc/kubernetes/kubelet/kubelet-config.json');
    expect(r.record.nodes[0]!.steps.every((s) => s.outcome === 'skipped')).toBe(true);
    expect((await look(fleet, 'f-err')).files).toEqual(before.files);
  });

  it('a plan edited by hand into a config the kubelet would refuse is refused before any change', async () => {
    const plan = await planFor(fleet, ['f-edit']);
    const change = plan.nodes[0]!.changes[0]!;
    const content = change.contentAfter!.replace('"mode": "Webhook"', '"mode": "RBAC"');
    expect(content).not.toBe(change.contentAfter);
    change.contentAfter = content;
    change.sha256After = sha256(content);
    const before = await look(fleet, 'f-edit');
    const r = await applyFor(fleet, plan);
    const n = r.record.nodes[0]!;
    expect(n.outcome).toBe('failed');
    expect(n.failedStep).toBe('preflight');
    expect(n.reason).toMatch(/the new content of \/etc\/kubernetes\/kubelet\/kubelet-config\.json would stop the kubelet: .*RBAC/);
    expect(await look(fleet, 'f-edit')).toEqual(before);
  });

  it('a node that presents another host key than the plan recorded is not touched', async () => {
    const plan = await planFor(fleet, ['f-key']);
    plan.nodes[0]!.identity!.hostKeyFingerprint = `SHA256:${'A'.repeat(43)}`;
    const before = await look(fleet, 'f-key');
    const r = await applyFor(fleet, plan);
    const n = r.record.nodes[0]!;
    expect(n.outcome).toBe('failed');
    expect(n.failedStep).toBe('connect');
    expect(n.reason).toMatch(/host key/i);
    expect(await look(fleet, 'f-key')).toEqual(before);
  });
});
