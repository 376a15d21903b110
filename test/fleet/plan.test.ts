/**
 * `fix plan` against real nodes: every layout × scenario of the test fleet, over real SSH, real
 * sudo and real systemd. The verdicts are checked against the kubelet's own effective config
 * (the stand-in's /configz), so the planner is proven against what the kubelet really runs with.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodePlan, Plan } from '../../src/plan/types.js';
import { startFleet, type Fleet } from './fleet.js';
import { runFix } from './run-fix.js';

const CFG = {
  'aks-flags': { config: undefined, flags: '/etc/default/kubelet' },
  'aks-config': { config: '/etc/default/kubeletconfig.json', flags: '/etc/default/kubelet' },
  eks: { config: '/etc/kubernetes/kubelet/kubelet-config.json', flags: '/etc/systemd/system/kubelet.service.d/10-kubelet-args.conf' },
  kubeadm: { config: '/var/lib/kubelet/config.yaml', flags: '/var/lib/kubelet/kubeadm-flags.env' },
  'flags-only': { config: undefined, flags: '/etc/systemd/system/kubelet.service' },
} as const;
type Layout = keyof typeof CFG;

/** Which files the plan must change, per layout and scenario ([] = compliant, 'error' = broken). */
const EXPECT: Record<Layout, Record<string, string[] | 'error'>> = {
  'aks-flags': {
    compliant: [], 'flag-alwaysallow': ['/etc/default/kubelet'], 'flag-space': ['/etc/default/kubelet'],
    'auth-missing': ['/etc/default/kubelet'], 'duplicate-flag': ['/etc/default/kubelet'], 'envfile-overrides-dropin': ['/etc/default/kubelet'],
  },
  'aks-config': {
    compliant: [], 'file-alwaysallow': ['/etc/default/kubeletconfig.json'], 'flag-alwaysallow': ['/etc/default/kubelet'],
    'flag-space': ['/etc/default/kubelet'], both: ['/etc/default/kubelet', '/etc/default/kubeletconfig.json'],
    'auth-missing': [], 'duplicate-flag': ['/etc/default/kubelet'], 'broken-config': 'error',
  },
  eks: {
    compliant: [], 'file-alwaysallow': ['/etc/kubernetes/kubelet/kubelet-config.json'],
    'flag-alwaysallow': ['/etc/systemd/system/kubelet.service.d/10-kubelet-args.conf'],
    'flag-space': ['/etc/systemd/system/kubelet.service.d/30-kubelet-extra-args.conf'],
    both: ['/etc/kubernetes/kubelet/kubelet-config.json', '/etc/systemd/system/kubelet.service.d/10-kubelet-args.conf'],
    'auth-missing': [], 'duplicate-flag': ['/etc/systemd/system/kubelet.service.d/30-kubelet-extra-args.conf'], 'broken-config': 'error',
  },
  kubeadm: {
    compliant: [], 'file-alwaysallow': ['/var/lib/kubelet/config.yaml'], 'flag-alwaysallow': ['/var/lib/kubelet/kubeadm-flags.env'],
    'flag-space': ['/etc/default/kubelet'], both: ['/var/lib/kubelet/config.yaml', '/var/lib/kubelet/kubeadm-flags.env'],
    'auth-missing': [], 'duplicate-flag': ['/etc/default/kubelet'], 'broken-config': 'error',
  },
  'flags-only': {
    compliant: [], 'flag-alwaysallow': ['/etc/systemd/system/kubelet.service'], 'flag-space': ['/etc/systemd/system/kubelet.service'],
    'auth-missing': ['/etc/systemd/system/kubelet.service'], 'duplicate-flag': ['/etc/systemd/system/kubelet.service.d/20-kubelet-extra-args.conf'],
  },
};

const ABBR: Record<string, string> = {
  'aks-flags': 'aksf', 'aks-config': 'aksc', eks: 'eks', kubeadm: 'kadm', 'flags-only': 'flg',
  compliant: 'ok', 'file-alwaysallow': 'file', 'flag-alwaysallow': 'flag', 'flag-space': 'space', both: 'both',
  'auth-missing': 'miss', 'duplicate-flag': 'dup', 'broken-config': 'broken', 'envfile-overrides-dropin': 'envf',
};
const cases = (Object.keys(EXPECT) as Layout[]).flatMap((layout) =>
  Object.entries(EXPECT[layout]).map(([scenario, want]) => ({ name: `p-${ABBR[layout]}-${ABBR[scenario]}`, layout, scenario, want })),
);

let fleet: Fleet;
let plan: Plan;
let planRun: { code: number; stdout: string; stderr: string };
const configz = new Map<string, { authorization?: { mode?: string }; authentication?: { webhook?: { enabled?: boolean } } }>();
const node = (name: string): NodePlan => plan.nodes.find((n) => n.name === name)!;
const finding = (n: NodePlan, setting: string) => n.findings.find((f) => f.setting === setting)!;

beforeAll(async () => {
  fleet = await startFleet([
    ...cases.map(({ name, layout, scenario }) => ({ name, layout, scenario })),
    { name: 'p-sudo-pw', layout: 'eks', scenario: 'compliant', options: ['sudo=password'] },
    { name: 'p-stopped', layout: 'eks', scenario: 'compliant' },
    { name: 'p-drift', layout: 'eks', scenario: 'compliant' },
  ]);
  for (const c of cases) {
    if (c.want === 'error') continue;
    const r = await fleet.ssh(c.name, 'sudo cat /run/kubelet/configz.json');
    configz.set(c.name, JSON.parse(r.stdout).kubeletconfig);
  }
  await fleet.ssh('p-stopped', 'sudo systemctl stop kubelet');
  // An edited drop-in, no daemon-reload: the running kubelet and the files disagree.
  await fleet.ssh('p-drift', `sudo sed -i "s|^Environment='KUBELET_EXTRA_ARGS=.*|Environment='KUBELET_EXTRA_ARGS=--authorization-mode=AlwaysAllow'|" /etc/systemd/system/kubelet.service.d/30-kubelet-extra-args.conf`);
  planRun = await runFix(['plan', '--ssh-config', fleet.sshConfig, '--hosts', fleet.nodes.map((n) => n.name).join(','), '--format', 'json', '--concurrency', '12']);
  plan = JSON.parse(planRun.stdout) as Plan;
}, 600_000);

afterAll(async () => {
  await fleet?.stop();
});

describe('fix plan on every layout and scenario', () => {
  it('plans every node, and errors make the exit code 1', () => {
    expect(plan.nodes.map((n) => n.name).sort()).toEqual(fleet.nodes.map((n) => n.name).sort());
    expect(planRun.code).toBe(1);
  });

  for (const c of cases) {
    it(`${c.layout} / ${c.scenario}`, () => {
      const n = node(c.name);
      if (c.want === 'error') {
        expect(n.status).toBe('error');
        expect(n.error).toContain(`invalid kubelet config file ${CFG[c.layout].config}:`);
        expect(n.error).toMatch(/:\d+(:\d+)?: /);
        return;
      }
      expect(n.error).toBeUndefined();
      // The verdict is about what the kubelet really runs with: its own /configz agrees.
      const z = configz.get(c.name)!;
      const mode = finding(n, 'authorization.mode');
      const webhook = finding(n, 'authentication.webhook.enabled');
      expect(mode.value).toBe(z.authorization?.mode);
      expect(webhook.value).toBe(z.authentication?.webhook?.enabled);
      expect(mode.compliant).toBe(z.authorization?.mode !== 'AlwaysAllow');
      // Sources name the file that really defines the value.
      if (mode.sourceDetail.kind === 'flag') expect(mode.source).toMatch(/^--authorization-mode[= ]/);
      if (c.scenario === 'flag-space') expect(mode.source).toContain('--authorization-mode AlwaysAllow in ');
      if (c.scenario === 'file-alwaysallow') expect(mode.source).toContain(`authorization.mode in ${CFG[c.layout].config}:`);
      if (c.scenario === 'auth-missing') expect(mode.sourceDetail).toEqual({ kind: 'default', withConfig: CFG[c.layout].config !== undefined });
      if (c.scenario === 'both' || (c.scenario === 'flag-alwaysallow' && CFG[c.layout].config)) {
        expect(mode.source).toContain(`, overriding authorization.mode: ${c.scenario === 'both' ? 'AlwaysAllow' : 'Webhook'} in ${CFG[c.layout].config}:`);
      }
      // The changes touch exactly the files that define an insecure value, and fix them.
      expect(n.changes.map((ch) => ch.path).sort()).toEqual([...c.want].sort());
      expect(n.status).toBe(c.want.length ? 'changes' : 'compliant');
      for (const ch of n.changes) {
        const removed = ch.diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'));
        const added = ch.diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
        expect(removed.join('\n') + added.join('\n')).toMatch(/AlwaysAllow|false|Webhook|webhook/);
        expect(added.join('\n')).not.toContain('AlwaysAllow');
        expect(ch.needsDaemonReload).toBe(ch.path.startsWith('/etc/systemd/') || ch.path.startsWith('/lib/systemd/'));
        expect(ch.sha256Before).toMatch(/^[0-9a-f]{64}$/);
      }
      expect(n.identity?.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    });
  }

  it('a node whose sudo wants a password is a clear error', () => {
    expect(node('p-sudo-pw').status).toBe('error');
    expect(node('p-sudo-pw').error).toMatch(/sudo/i);
    expect(node('p-sudo-pw').error).toMatch(/password/i);
  });

  it('a stopped kubelet is a clear error, with findings from its files', () => {
    const n = node('p-stopped');
    expect(n.status).toBe('error');
    expect(n.error).toMatch(/kubelet is not running \(kubelet\.service: ActiveState=inactive/);
  });

  it('says when the files changed since the kubelet started (daemon-reload pending)', () => {
    const n = node('p-drift');
    const mode = finding(n, 'authorization.mode');
    expect(mode.value).toBe('AlwaysAllow');
    expect(mode.runningValue).toBe('Webhook');
    expect(n.notes.join('\n')).toContain('NeedDaemonReload=yes');
    expect(n.changes.map((c) => c.path)).toEqual(['/etc/systemd/system/kubelet.service.d/30-kubelet-extra-args.conf']);
    expect(n.needsDaemonReload).toBe(true);
  });
});

describe('fix plan output and exit codes', () => {
  it('text: a summary line, diffs and sources', async () => {
    const r = await runFix(['plan', '--ssh-config', fleet.sshConfig, '--hosts', 'p-eks-both,p-aksc-ok']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--- a/etc/kubernetes/kubelet/kubelet-config.json');
    expect(r.stdout).toContain('+    "mode": "Webhook"');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('2 nodes: 1 to change, 1 compliant, 0 errors');
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  it('--detailed-exitcode: 0 when compliant, 2 with changes', async () => {
    const ok = await runFix(['plan', '--ssh-config', fleet.sshConfig, '--hosts', 'p-eks-ok,p-kadm-miss', '--detailed-exitcode']);
    expect(ok.code).toBe(0);
    const changes = await runFix(['plan', '--ssh-config', fleet.sshConfig, '--hosts', 'p-eks-flag', '--detailed-exitcode']);
    expect(changes.code).toBe(2);
  });

  it('--out saves the plan; show renders it as Markdown and JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-out-'));
    const out = join(dir, 'plan.json');
    const r = await runFix(['plan', '--ssh-config', fleet.sshConfig, '--hosts', 'p-kadm-file', '--out', out]);
    expect(r.code).toBe(0);
    const saved = JSON.parse(readFileSync(out, 'utf8')) as Plan;
    expect(saved.formatVersion).toBe(1);
    expect(saved.nodes[0]!.changes[0]!.path).toBe('/var/lib/kubelet/config.yaml');
    const md = await runFix(['show', out, '--format', 'markdown']);
    expect(md.stdout.split('\n')[0]).toBe('## kubelet-fix plan: 1 node: 1 to change, 0 compliant, 0 errors');
    expect(md.stdout).toContain('<details><summary><code>/var/lib/kubelet/config.yaml</code>');
    const json = await runFix(['show', out, '--format', 'json']);
    expect(JSON.parse(json.stdout)).toEqual(saved);
  });

  it('--inventory with --groups plans just that group', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-inv-'));
    const at = (name: string) => fleet.node(name).address;
    const inventory = join(dir, 'nodes.yaml');
    writeFileSync(
      inventory,
      `defaults:\n  user: azureuser\n  identityFile: ${fleet.identityFile}\n  knownHostsFile: ${fleet.knownHosts}\nnodes:\n` +
        `  - { name: eks-a, host: ${at('p-eks-flag')}, groups: [eks] }\n` +
        `  - { name: kubeadm-a, host: ${at('p-kadm-file')}, groups: [kubeadm] }\n`,
    );
    const r = await runFix(['plan', '--inventory', inventory, '--groups', 'kubeadm', '--format', 'json']);
    expect(r.code).toBe(0);
    const got = JSON.parse(r.stdout) as Plan;
    expect(got.nodes.map((n) => [n.name, n.status])).toEqual([['kubeadm-a', 'changes']]);
    expect(got.nodes[0]!.changes.map((c) => c.path)).toEqual(['/var/lib/kubelet/config.yaml']);

    writeFileSync(inventory, 'nodes:\n  - { name: x, prot: 22 }\n');
    const bad = await runFix(['plan', '--inventory', inventory]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(new RegExp(`^fix: ${inventory}:2:\\d+: .*prot`));
  });

  it('an unreachable node and a refused host key are errors for those nodes only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-bad-'));
    const config = readFileSync(fleet.sshConfig, 'utf8');
    // Same node, but a known_hosts that does not know it.
    writeFileSync(join(dir, 'empty_known_hosts'), '');
    const p = fleet.node('p-eks-ok');
    writeFileSync(
      join(dir, 'ssh_config'),
      `Host stranger\n  HostName ${p.address}\n  User ${p.user}\n  IdentityFile ${fleet.identityFile}\n  UserKnownHostsFile ${join(dir, 'empty_known_hosts')}\n\n` +
        `Host nowhere\n  HostName 127.77.254.254\n  User azureuser\n  IdentityFile ${fleet.identityFile}\n  UserKnownHostsFile ${fleet.knownHosts}\n\n${config}`,
    );
    const r = await runFix(['plan', '--ssh-config', join(dir, 'ssh_config'), '--hosts', 'stranger,nowhere,p-eks-flag', '--format', 'json']);
    expect(r.code).toBe(1);
    const got = JSON.parse(r.stdout) as Plan;
    const by = (name: string) => got.nodes.find((n) => n.name === name)!;
    expect(by('stranger').status).toBe('error');
    expect(by('stranger').error).toMatch(/known_hosts/);
    expect(by('nowhere').status).toBe('error');
    expect(by('nowhere').error).toMatch(/127\.77\.254\.254/);
    expect(by('p-eks-flag').status).toBe('changes');
  });
});
