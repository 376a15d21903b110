/**
 * kubelet-fix on an older systemd: nodes booted from Debian bullseye (systemd 247, fleet option
 * os=bullseye) must get the same plan as their twins on bookworm (systemd 252), and apply must fix
 * them the same way. Real nodes vary in systemd version (`systemctl show` properties, exit codes,
 * journalctl options), so this catches anything that only works on the newer one.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodePlan, Plan } from '../../src/plan/types.js';
import { FLEET_SH, run, startFleet, type Fleet } from './fleet.js';
import { runFix } from './run-fix.js';

/** Per node: the files the plan must change ('error' = a plan error), as in plan.test.ts. */
const CASES = [
  { id: 'eks-flag', layout: 'eks', scenario: 'flag-alwaysallow', want: ['/etc/systemd/system/kubelet.service.d/10-kubelet-args.conf'] },
  { id: 'kadm-file', layout: 'kubeadm', scenario: 'file-alwaysallow', want: ['/var/lib/kubelet/config.yaml'] },
  { id: 'aksf-space', layout: 'aks-flags', scenario: 'flag-space', want: ['/etc/default/kubelet'] },
  { id: 'flg-miss', layout: 'flags-only', scenario: 'auth-missing', want: ['/etc/systemd/system/kubelet.service'] },
  { id: 'aksc-broken', layout: 'aks-config', scenario: 'broken-config', want: 'error' },
] as const;
const OLD = (id: string) => `old-${id}`;
const NEW = (id: string) => `new-${id}`;
const GOOD = CASES.filter((c) => c.want !== 'error').map((c) => OLD(c.id));

let fleet: Fleet;
let plan: Plan;
let planCode: number;
const dir = mkdtempSync(join(tmpdir(), 'old-systemd-'));
const planFile = join(dir, 'plan.json');

beforeAll(async () => {
  fleet = await startFleet(
    CASES.flatMap(({ id, layout, scenario }) => [
      { name: OLD(id), layout, scenario, options: ['os=bullseye'] },
      { name: NEW(id), layout, scenario, options: ['os=bookworm'] },
    ]),
  );
  const r = await runFix(['plan', '--ssh-config', fleet.sshConfig, '--hosts', fleet.nodes.map((n) => n.name).join(','), '--format', 'json']);
  planCode = r.code;
  plan = JSON.parse(r.stdout) as Plan;
}, 600_000);

afterAll(async () => {
  await fleet?.stop();
});

const nodePlan = (name: string): NodePlan => {
  const found = plan.nodes.find((n) => n.name === name);
  if (found === undefined) throw new Error(`no node ${name} in the plan`);
  return found;
};

/** What must not depend on the systemd version: the node's name and address replaced, and the
 * per-boot facts (host key, PID, hashes of files that hold the name or address) left out. */
function comparable(n: NodePlan): unknown {
  const address = fleet.node(n.name).address;
  const { identity: _identity, kubelet, changes, ...rest } = n;
  const text = JSON.stringify({
    ...rest,
    kubelet: kubelet && { ...kubelet, pid: 0, argvSha256: '' },
    changes: changes.map(({ sha256Before: _b, sha256After: _a, ...c }) => c),
  });
  return JSON.parse(text.split(n.name).join('NODE').split(address).join('ADDRESS'));
}

describe('nodes with systemd 247 (os=bullseye)', () => {
  it('boot systemd 247, and their twins the default systemd 252', async () => {
    for (const c of CASES) {
      expect((await fleet.ssh(OLD(c.id), 'systemctl --version')).stdout).toMatch(/^systemd 247 /);
      expect((await fleet.ssh(NEW(c.id), 'systemctl --version')).stdout).toMatch(/^systemd 252 /);
    }
  });

  it('an unknown os, or os given twice, is refused by name and starts nothing', async () => {
    const env = { ...process.env, FLEET_DIR: fleet.dir };
    const unknown = await run('/bin/bash', [FLEET_SH, 'start', 'x-os=eks/compliant,os=centos'], env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("unknown option 'os=centos' in 'x-os=eks/compliant,os=centos' (options: sudo=password os=bookworm os=bullseye)");
    const twice = await run('/bin/bash', [FLEET_SH, 'start', 'x-os=eks/compliant,os=bullseye,os=bookworm'], env);
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toContain("option os= given twice in 'x-os=eks/compliant,os=bullseye,os=bookworm'");
    expect(JSON.parse(readFileSync(join(fleet.dir, 'nodes.json'), 'utf8')).map((n: { name: string }) => n.name)).not.toContain('x-os');
  });

  it('plan: the same verdicts, changes and errors as on systemd 252', () => {
    expect(planCode).toBe(1); // the broken node
    for (const c of CASES) {
      const old = nodePlan(OLD(c.id));
      if (c.want === 'error') {
        expect(old.status).toBe('error');
        expect(old.error).toContain('invalid kubelet config file /etc/default/kubeletconfig.json:');
      } else {
        expect(old.error).toBeUndefined();
        expect(old.status).toBe('changes');
        expect(old.changes.map((ch) => ch.path).sort()).toEqual([...c.want].sort());
      }
      expect(comparable(old)).toEqual(comparable(nodePlan(NEW(c.id))));
    }
  });

  it('apply fixes them: kubelet restarted with Webhook, nothing left to plan', async () => {
    const planned = await runFix(['plan', '--ssh-config', fleet.sshConfig, '--hosts', GOOD.join(','), '--out', planFile, '--format', 'json']);
    expect(planned.code).toBe(0);
    const applied = await runFix(['apply', planFile, '--ssh-config', fleet.sshConfig, '--record', join(dir, 'record.json')]);
    expect(applied.stdout).toContain(`Apply: ${GOOD.length} applied.`);
    expect(applied.code).toBe(0);
    for (const name of GOOD) {
      const z = JSON.parse((await fleet.ssh(name, 'sudo cat /run/kubelet/configz.json')).stdout);
      expect(z.kubeletconfig.authorization.mode).toBe('Webhook');
      expect(z.kubeletconfig.authentication.webhook.enabled).toBe(true);
    }
    const record = JSON.parse(readFileSync(join(dir, 'record.json'), 'utf8'));
    expect(JSON.stringify(record)).toContain(GOOD[0]);
    const again = await runFix(['plan', '--ssh-config', fleet.sshConfig, '--hosts', GOOD.join(','), '--detailed-exitcode']);
    expect(again.code).toBe(0);
  });
});
