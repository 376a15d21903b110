/**
 * A node whose files are already compliant but whose running kubelet is not (someone fixed the
 * drop-in and ran daemon-reload, but never restarted): the plan is a restart with no file change,
 * and apply restarts, verifies, and leaves every file as it was.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import { startFleet, type Fleet } from './fleet.js';
import { runFix } from './run-fix.js';

const DROP_IN = '/etc/systemd/system/kubelet.service.d/10-kubelet-args.conf';
let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet([{ name: 'r-only', layout: 'eks', scenario: 'flag-alwaysallow' }]);
  await fleet.ssh('r-only', `sudo sed -i 's/--authorization-mode=AlwaysAllow/--authorization-mode=Webhook/' ${DROP_IN} && sudo systemctl daemon-reload`);
});

afterAll(async () => {
  await fleet?.stop();
});

describe('restart-only plan', () => {
  it('plans a restart, no file change, and apply makes the running kubelet compliant', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'restart-only-'));
    const planFile = join(dir, 'plan.json');
    const planned = await runFix(['plan', '--ssh-config', fleet.sshConfig, '--hosts', 'r-only', '--out', planFile, '--format', 'json']);
    const plan = JSON.parse(planned.stdout) as Plan;
    const node = plan.nodes[0]!;
    expect(node.status).toBe('changes');
    expect(node.changes).toEqual([]);
    expect(node.needsRestart).toBe(true);
    expect(node.restartReasons.join('\n')).toContain('authorization.mode is AlwaysAllow in the running kubelet but Webhook in its files');
    const mode = node.findings.find((f) => f.setting === 'authorization.mode')!;
    expect([mode.value, mode.runningValue]).toEqual(['Webhook', 'AlwaysAllow']);

    const pidBefore = (await fleet.ssh('r-only', 'systemctl show -p MainPID kubelet')).stdout.trim();
    const hashBefore = (await fleet.ssh('r-only', `sudo sha256sum ${DROP_IN}`)).stdout;
    const applied = await runFix(['apply', planFile, '--ssh-config', fleet.sshConfig, '--record', join(dir, 'record.json')]);
    expect(applied.stdout).toContain('Apply: 1 applied.');
    expect(applied.code).toBe(0);
    expect((await fleet.ssh('r-only', 'systemctl show -p MainPID kubelet')).stdout.trim()).not.toBe(pidBefore);
    expect((await fleet.ssh('r-only', `sudo sha256sum ${DROP_IN}`)).stdout).toBe(hashBefore);
    const z = JSON.parse((await fleet.ssh('r-only', 'sudo cat /run/kubelet/configz.json')).stdout);
    expect(z.kubeletconfig.authorization.mode).toBe('Webhook');

    const again = await runFix(['plan', '--ssh-config', fleet.sshConfig, '--hosts', 'r-only', '--detailed-exitcode']);
    expect(again.code).toBe(0);
  });
});
