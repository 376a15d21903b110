/**
 * `fix plan` and `fix apply` on EKS Amazon Linux 2023 nodes (fleet layout eks-al2023): nodeadm's
 * EnvironmentFile holds the flags, config.json the generated config, and the --config-dir drop-in
 * 40-nodeadm.conf the user's config, which wins over config.json. Verdicts are checked against the
 * kubelet's own /configz; after apply, /configz must show the secure values.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodePlan, Plan } from '../../src/plan/types.js';
import { startFleet, type Fleet } from './fleet.js';
import { runFix } from './run-fix.js';

const CONFIG = '/etc/kubernetes/kubelet/config.json';
const DROPIN = '/etc/kubernetes/kubelet/config.json.d/40-nodeadm.conf';
const ENV_FILE = '/etc/eks/kubelet/environment';

/** Per scenario: the files the plan must change ([] = compliant), or the file a broken node's error names. */
const CASES: { name: string; scenario: string; want: string[] | { error: string } }[] = [
  { name: 'a23-ok', scenario: 'compliant', want: [] },
  { name: 'a23-file', scenario: 'file-alwaysallow', want: [CONFIG] },
  { name: 'a23-dropin', scenario: 'dropin-alwaysallow', want: [DROPIN] },
  { name: 'a23-both', scenario: 'both-file-and-dropin', want: [CONFIG, DROPIN] },
  { name: 'a23-flag', scenario: 'flag-alwaysallow', want: [ENV_FILE] },
  { name: 'a23-broken', scenario: 'broken-dropin', want: { error: `invalid kubelet config drop-in ${DROPIN}:` } },
  {
    name: 'a23-nokind',
    scenario: 'dropin-no-apiversion',
    want: { error: 'invalid kubelet config drop-in /etc/kubernetes/kubelet/config.json.d/50-custom.conf:1:1: apiVersion is missing' },
  },
];
const GOOD = CASES.filter((c) => Array.isArray(c.want)).map((c) => c.name);

interface Configz { authorization?: { mode?: string }; authentication?: { webhook?: { enabled?: boolean } } }

let fleet: Fleet;
let dir: string;
let planFile: string;
let plan: Plan;
let planRun: { code: number; stdout: string; stderr: string };
const before = new Map<string, Configz>();
const node = (name: string): NodePlan => plan.nodes.find((n) => n.name === name)!;
const finding = (n: NodePlan, setting: string) => n.findings.find((f) => f.setting === setting)!;

async function configz(name: string): Promise<Configz> {
  const r = await fleet.ssh(name, 'sudo cat /run/kubelet/configz.json');
  expect(r.code, `${name}: ${r.stderr}`).toBe(0);
  return (JSON.parse(r.stdout) as { kubeletconfig: Configz }).kubeletconfig;
}

beforeAll(async () => {
  fleet = await startFleet(CASES.map(({ name, scenario }) => ({ name, layout: 'eks-al2023', scenario })));
  for (const name of GOOD) before.set(name, await configz(name));
  dir = mkdtempSync(join(tmpdir(), 'al2023-'));
  planFile = join(dir, 'plan.json');
  planRun = await runFix(['plan', '--ssh-config', fleet.sshConfig, '--hosts', CASES.map((c) => c.name).join(','), '--format', 'json', '--out', planFile]);
  plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
}, 600_000);

afterAll(async () => {
  await fleet?.stop();
});

describe('fix plan on EKS AL2023 (nodeadm, --config-dir)', () => {
  it('plans every node; the broken ones make the exit code 1', () => {
    expect(plan.nodes.map((n) => n.name).sort()).toEqual(CASES.map((c) => c.name).sort());
    expect(planRun.code, planRun.stderr).toBe(1);
  });

  for (const c of CASES) {
    it(c.scenario, () => {
      const n = node(c.name);
      if (!Array.isArray(c.want)) {
        expect(n.status).toBe('error');
        expect(n.error).toContain(c.want.error);
        expect(n.error).toMatch(/\.conf:\d+:\d+: /);
        expect(n.changes).toEqual([]);
        return;
      }
      expect(n.error).toBeUndefined();
      const z = before.get(c.name)!;
      const mode = finding(n, 'authorization.mode');
      const webhook = finding(n, 'authentication.webhook.enabled');
      // The verdict is what the kubelet really runs with.
      expect(mode.value).toBe(z.authorization?.mode);
      expect(webhook.value).toBe(z.authentication?.webhook?.enabled);
      expect(mode.compliant).toBe(z.authorization?.mode !== 'AlwaysAllow');
      expect(webhook.compliant).toBe(z.authentication?.webhook?.enabled === true);
      // The source names the file that wins.
      if (c.scenario === 'dropin-alwaysallow' || c.scenario === 'both-file-and-dropin') {
        expect(mode.source).toMatch(new RegExp(`^authorization\\.mode in config drop-in ${DROPIN}:\\d+, overriding authorization\\.mode: ${c.scenario === 'both-file-and-dropin' ? 'AlwaysAllow' : 'Webhook'} in ${CONFIG}:\\d+$`));
        expect(webhook.source).toMatch(new RegExp(`^authentication\\.webhook\\.enabled in config drop-in ${DROPIN}:\\d+, `));
      }
      if (c.scenario === 'file-alwaysallow' || c.scenario === 'compliant') expect(mode.source).toMatch(new RegExp(`^authorization\\.mode in ${CONFIG}:\\d+$`));
      if (c.scenario === 'flag-alwaysallow') {
        expect(mode.source).toMatch(new RegExp(`^--authorization-mode=AlwaysAllow in NODEADM_KUBELET_ARGS \\(${ENV_FILE}:1\\), overriding authorization\\.mode: Webhook in ${CONFIG}:`));
      }
      // Exactly the files holding an insecure value change, and only in those lines.
      expect(n.changes.map((ch) => ch.path).sort()).toEqual([...c.want].sort());
      expect(n.status).toBe(c.want.length ? 'changes' : 'compliant');
      for (const ch of n.changes) {
        const added = ch.diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
        expect(added.join('\n')).not.toContain('AlwaysAllow');
        expect(added.join('\n')).not.toMatch(/"enabled": false/);
        expect(ch.needsDaemonReload).toBe(false);
      }
    });
  }
});

describe('fix apply on EKS AL2023', () => {
  it('applies the saved plan: the good nodes are fixed (/configz: Webhook, webhook authn on), the broken ones untouched', async () => {
    const r = await runFix(['apply', planFile, '--ssh-config', fleet.sshConfig, '--record', join(dir, 'record.json')]);
    // Exit 1: the plan has errors for the broken nodes, which apply leaves alone.
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1);
    expect(r.stdout).toContain(`Apply: ${GOOD.length - 1} applied, 2 not applied (plan error), 1 already compliant.`);
    expect(r.stdout).toContain('Not touched: a23-broken, a23-nokind.');
    for (const name of GOOD) {
      const z = await configz(name);
      expect([name, z.authorization?.mode, z.authentication?.webhook?.enabled]).toEqual([name, 'Webhook', true]);
    }
    // The drop-in was fixed in place: still nodeadm's JSON, still a valid drop-in.
    const dropin = await fleet.ssh('a23-dropin', `sudo cat ${DROPIN}`);
    expect(JSON.parse(dropin.stdout)).toMatchObject({ apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', authorization: { mode: 'Webhook' }, maxPods: 110 });
  });

  it('a second plan has nothing left to change (--detailed-exitcode 0)', async () => {
    const r = await runFix(['plan', '--ssh-config', fleet.sshConfig, '--hosts', GOOD.join(','), '--detailed-exitcode']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  });
});
