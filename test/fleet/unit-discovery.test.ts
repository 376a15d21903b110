/**
 * The kubelet's unit is discovered, not assumed: a kubelet packaged as a snap runs as
 * snap.kubelet-eks.daemon.service. Plan finds it from the running process's cgroup, and apply
 * restarts that unit. A node with no kubelet at all is a clear error.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import { startFleet, type Fleet } from './fleet.js';
import { runFix } from './run-fix.js';

const UNIT = 'snap.kubelet-eks.daemon.service';
let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet([
    { name: 'u-snap', layout: 'eks', scenario: 'flag-alwaysallow' },
    { name: 'u-none', layout: 'eks', scenario: 'compliant' },
  ]);
  await fleet.ssh(
    'u-snap',
    [
      'sudo systemctl disable --now kubelet.service',
      `sudo mv /etc/systemd/system/kubelet.service /etc/systemd/system/${UNIT}`,
      `sudo mv /etc/systemd/system/kubelet.service.d /etc/systemd/system/${UNIT}.d`,
      'sudo systemctl daemon-reload',
      `sudo systemctl enable --now ${UNIT}`,
      'sleep 2',
    ].join(' && '),
  );
  await fleet.ssh('u-none', 'sudo systemctl disable --now kubelet.service && sudo rm /etc/systemd/system/kubelet.service && sudo systemctl daemon-reload');
});

afterAll(async () => {
  await fleet?.stop();
});

describe('kubelet unit discovery', () => {
  it('plans and applies a kubelet that runs under another unit name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'unit-'));
    const planFile = join(dir, 'plan.json');
    const r = await runFix(['plan', '--ssh-config', fleet.sshConfig, '--hosts', 'u-snap', '--format', 'json', '--out', planFile]);
    const node = (JSON.parse(r.stdout) as Plan).nodes[0]!;
    expect(node.error).toBeUndefined();
    expect(node.kubelet?.unit).toBe(UNIT);
    expect(node.changes.map((c) => c.path)).toEqual([`/etc/systemd/system/${UNIT}.d/10-kubelet-args.conf`]);

    const applied = await runFix(['apply', planFile, '--ssh-config', fleet.sshConfig, '--record', join(dir, 'record.json')]);
    expect(applied.stdout).toContain('Apply: 1 applied.');
    expect(applied.code).toBe(0);
    expect((await fleet.ssh('u-snap', `systemctl is-active ${UNIT}`)).stdout.trim()).toBe('active');
    const z = JSON.parse((await fleet.ssh('u-snap', 'sudo cat /run/kubelet/configz.json')).stdout);
    expect(z.kubeletconfig.authorization.mode).toBe('Webhook');
  });

  it('a node with no kubelet is a clear error', async () => {
    const r = await runFix(['plan', '--ssh-config', fleet.sshConfig, '--hosts', 'u-none', '--format', 'json']);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as Plan).nodes[0]!.error).toContain('no kubelet found: kubelet.service is not a loaded unit');
  });
});
