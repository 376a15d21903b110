/**
 * `fix apply` on real nodes, every layout and insecure scenario: a dry run changes nothing and
 * lists the commands; the real apply (from a saved plan file, the approval) makes every node
 * compliant with its kubelet running on the new files, canary first; a second apply does nothing.
 * What counts is the node seen from outside: file hashes, the kubelet process, its own /configz.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyRecord } from '../../src/apply/record.js';
import type { Plan } from '../../src/plan/types.js';
import { applyFor, look, planFor, type NodeLook } from './apply-support.js';
import { startFleet, type Fleet } from './fleet.js';
import { runFix } from './run-fix.js';

const NODES = [
  { name: 'a-af-flag', layout: 'aks-flags', scenario: 'flag-alwaysallow' },
  { name: 'a-af-envf', layout: 'aks-flags', scenario: 'envfile-overrides-dropin' },
  { name: 'a-ac-both', layout: 'aks-config', scenario: 'both' },
  { name: 'a-eks-space', layout: 'eks', scenario: 'flag-space' },
  { name: 'a-eks-file', layout: 'eks', scenario: 'file-alwaysallow' },
  { name: 'a-kadm-both', layout: 'kubeadm', scenario: 'both' },
  { name: 'a-kadm-dup', layout: 'kubeadm', scenario: 'duplicate-flag' },
  { name: 'a-fo-miss', layout: 'flags-only', scenario: 'auth-missing' },
  { name: 'a-fo-space', layout: 'flags-only', scenario: 'flag-space' },
  { name: 'a-eks-ok', layout: 'eks', scenario: 'compliant' },
];
const NAMES = NODES.map((n) => n.name);
const TO_CHANGE = NAMES.filter((n) => n !== 'a-eks-ok');

let fleet: Fleet;
let work: string;
let planFile: string;
let plan: Plan;
const before = new Map<string, NodeLook>();

async function lookAll(): Promise<Map<string, NodeLook>> {
  return new Map(await Promise.all(NAMES.map(async (n) => [n, await look(fleet, n)] as const)));
}

beforeAll(async () => {
  fleet = await startFleet(NODES);
  work = mkdtempSync(join(tmpdir(), 'apply-test-'));
  planFile = join(work, 'plan.json');
  const r = await runFix(['plan', '--ssh-config', fleet.sshConfig, '--hosts', NAMES.join(','), '--out', planFile]);
  expect(r.code).toBe(0);
  plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
  for (const [n, l] of await lookAll()) before.set(n, l);
}, 600_000);

afterAll(async () => {
  await fleet?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('fix apply', () => {
  it('the plan has changes on every insecure node, none on the compliant one', () => {
    expect(plan.nodes.filter((n) => n.status === 'changes').map((n) => n.name).sort()).toEqual([...TO_CHANGE].sort());
    expect(plan.nodes.find((n) => n.name === 'a-eks-ok')!.status).toBe('compliant');
    for (const n of TO_CHANGE) expect(before.get(n)!.mode === 'AlwaysAllow' || before.get(n)!.webhook === false).toBe(true);
  });

  it('--dry-run changes nothing and prints every command and write, in order', async () => {
    const recordFile = join(work, 'dry-run-record.json');
    const r = await runFix(['apply', planFile, '--dry-run', '--ssh-config', fleet.sshConfig, '--hosts', NAMES.join(','), '--record', recordFile]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    // Per node, the steps in order, each with its commands.
    const out = r.stdout;
    for (const n of TO_CHANGE) {
      const at = out.indexOf(`# ${n}: would apply`);
      expect(at).toBeGreaterThanOrEqual(0);
      const section = out.slice(at, out.indexOf('\n# ', at + 1) === -1 ? undefined : out.indexOf('\n# ', at + 1));
      const order = ['flock -w 60 /run/lock/kubelet-fix.lock', 'cp -a --', 'mktemp', 'mv -T --', 'systemctl restart kubelet.service', 'systemctl status kubelet.service'];
      const positions = order.map((s) => section.indexOf(s));
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      // Writes are shown by size and hash, never by content.
      for (const ch of plan.nodes.find((x) => x.name === n)!.changes) expect(section).toContain(`sha256 ${ch.sha256After}]`);
    }
    expect(out).not.toContain('"apiVersion"');
    expect(out).toMatch(/Dry run: 9 would apply, 1 already compliant\./);
    const record = JSON.parse(readFileSync(recordFile, 'utf8')) as ApplyRecord;
    expect(record.dryRun).toBe(true);
    expect(record.nodes.filter((n) => n.outcome === 'would-apply')).toHaveLength(9);
    // Nothing changed: same files, same kubelet process, no backup, no lock left.
    const after = await lookAll();
    for (const n of NAMES) {
      expect(after.get(n)!.files).toEqual(before.get(n)!.files);
      expect(after.get(n)!.mainPid).toBe(before.get(n)!.mainPid);
      expect(after.get(n)!.backups).toEqual([]);
    }
  });

  it('applies the saved plan: canary first, every node compliant and running the new files', async () => {
    const recordFile = join(work, 'record.json');
    const r = await runFix(['apply', planFile, '--ssh-config', fleet.sshConfig, '--hosts', NAMES.join(','), '--record', recordFile, '--parallel', '4']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('Apply: 9 applied, 1 already compliant.');
    expect(statSync(recordFile).mode & 0o777).toBe(0o600);
    const record = JSON.parse(readFileSync(recordFile, 'utf8')) as ApplyRecord;
    expect(record.ok).toBe(true);

    // The canary ran alone: every other node started after it finished.
    const applied = record.nodes.filter((n) => n.outcome === 'applied');
    expect(applied.map((n) => n.node).sort()).toEqual([...TO_CHANGE].sort());
    const canary = applied.reduce((a, b) => (a.startedAt! < b.startedAt! ? a : b));
    for (const n of applied) if (n !== canary) expect(n.startedAt! >= canary.finishedAt!).toBe(true);
    expect(record.nodes.find((n) => n.node === 'a-eks-ok')!.outcome).toBe('skipped');

    const after = await lookAll();
    for (const name of TO_CHANGE) {
      const n = record.nodes.find((x) => x.node === name)!;
      const a = after.get(name)!;
      const p = plan.nodes.find((x) => x.name === name)!;
      // The kubelet runs, restarted, with the secure values.
      expect(a.activeState).toBe('active');
      expect(a.mainPid).not.toBe(before.get(name)!.mainPid);
      expect(a.mode).toBe('Webhook');
      expect(a.webhook).toBe(true);
      // Exactly the planned files changed, to exactly the planned bytes.
      for (const [path, hash] of Object.entries(before.get(name)!.files)) {
        const change = p.changes.find((c) => c.path === path);
        expect(a.files[path]).toBe(change ? change.sha256After : hash);
      }
      // Every step ran and was checked; the backups hold the old bytes.
      expect(n.steps.filter((s) => s.outcome === 'failed')).toEqual([]);
      for (const step of ['lock', 'preflight', 'backup', 'write', 'restart', 'wait-active', 'verify', 'status', 'plan-again', 'unlock']) {
        expect(n.steps.find((s) => s.step === step)!.outcome).toBe('ok');
      }
      expect(n.steps.find((s) => s.step === 'daemon-reload')!.message).toMatch(
        p.changes.some((c) => c.needsDaemonReload) ? /^systemctl daemon-reload; NeedDaemonReload=no/ : /^not needed/,
      );
      expect(n.status?.exitCode).toBe(0);
      expect(n.status?.output).toContain('Active: active (running)');
      expect(n.backups.map((b) => b.path).sort()).toEqual(p.changes.map((c) => c.path).sort());
      for (const b of n.backups) {
        expect(b.backupPath).toMatch(/^\/var\/backups\/kubelet-fix\/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ-[0-9a-f]{8}\//);
        expect(b.sha256).toBe(p.changes.find((c) => c.path === b.path)!.sha256Before);
        const onNode = await fleet.ssh(name, `sudo sha256sum ${b.backupPath} && sudo stat -c %a ${b.backupPath} ${b.path}`);
        const [hashLine, modeBackup, modeFile] = onNode.stdout.trim().split('\n');
        expect(hashLine!.split(' ')[0]).toBe(b.sha256);
        expect(modeBackup).toBe(modeFile);
      }
      // No temp file or backup left where systemd or the kubelet would read it.
      for (const dir of new Set(p.changes.map((c) => c.path.slice(0, c.path.lastIndexOf('/'))))) {
        const ls = await fleet.ssh(name, `sudo ls -A ${dir}`);
        expect(ls.stdout).not.toMatch(/kubelet-fix|\.bak|~/);
      }
      // The record holds hashes, never file contents.
      const json = JSON.stringify(n);
      for (const c of p.changes) {
        for (const line of (c.contentAfter ?? '').split('\n').filter((l) => /apiVersion|"mode"|mode:|KUBELET_FLAGS=|Environment=/.test(l))) {
          expect(json).not.toContain(line.trim());
        }
      }
    }
    // The compliant node was not touched.
    expect(after.get('a-eks-ok')!.files).toEqual(before.get('a-eks-ok')!.files);
    expect(after.get('a-eks-ok')!.mainPid).toBe(before.get('a-eks-ok')!.mainPid);
  });

  it('a second apply changes nothing', async () => {
    const again = await planFor(fleet, NAMES);
    expect(again.nodes.map((n) => [n.name, n.status])).toEqual(NAMES.map((n) => [n, 'compliant']));
    const lookBefore = await lookAll();
    const r = await applyFor(fleet, again);
    expect(r.ok).toBe(true);
    expect(r.record.nodes.every((n) => n.outcome === 'skipped')).toBe(true);
    const lookAfter = await lookAll();
    for (const n of NAMES) {
      expect(lookAfter.get(n)!.mainPid).toBe(lookBefore.get(n)!.mainPid);
      expect(lookAfter.get(n)!.files).toEqual(lookBefore.get(n)!.files);
    }
    // And the CLI says so.
    const cli = await runFix(['apply', '--yes', '--ssh-config', fleet.sshConfig, '--hosts', NAMES.join(',')]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('Nothing to do: every node is compliant.');
  });
});
