import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPlanFile, writePlanFile } from '../../src/plan/plan-file.js';
import { renderPlanJson } from '../../src/render/json.js';
import { renderPlanMarkdown } from '../../src/render/markdown.js';
import { renderPlanText } from '../../src/render/text.js';
import { samplePlan } from '../helpers/sample-plan.js';

const plan = await samplePlan();

describe('plan views', () => {
  it('text: findings with source, diffs, and the summary line', () => {
    const out = renderPlanText(plan, { color: false });
    expect(out).toContain('Node eks-1 (azureuser@127.0.0.9:22): changes planned');
    expect(out).toContain('FAIL authorization.mode = AlwaysAllow  (must not be AlwaysAllow; fix: Webhook)');
    expect(out).toContain('from --authorization-mode AlwaysAllow in KUBELET_ARGS (Environment= in /etc/systemd/system/kubelet.service.d/10-kubelet-args.conf:2)');
    expect(out).toContain('+    "mode": "Webhook"');
    expect(out).toContain('Then: systemctl daemon-reload → systemctl restart kubelet → verify');
    expect(out).toContain('Node aks-ok (azureuser@127.0.0.9:22): compliant');
    expect(out).toContain('error: invalid kubelet config file /etc/kubernetes/kubelet/kubelet-config.json:4:21');
    expect(out.trimEnd().split('\n').at(-1)).toBe('3 nodes: 1 to change, 1 compliant, 1 error');
    expect(out).not.toMatch(/\x1b\[/);
  });

  it('text: colour only when asked', () => {
    expect(renderPlanText(plan, { color: true })).toMatch(/\x1b\[3[12]m/);
  });

  it('markdown: summary first, each diff folded', () => {
    const md = renderPlanMarkdown(plan);
    expect(md.split('\n')[0]).toBe('## kubelet-fix plan: 3 nodes: 1 to change, 1 compliant, 1 error');
    expect(md).toContain('<details><summary><code>/etc/kubernetes/kubelet/kubelet-config.json</code>');
    expect(md).toMatch(/```diff\n[\s\S]*-    "mode": "AlwaysAllow"[\s\S]*```\n\n<\/details>/);
    expect(md.indexOf('| node | status | changes |')).toBeLessThan(md.indexOf('<details>'));
  });

  it('json: the documented fields', () => {
    const doc = JSON.parse(renderPlanJson(plan));
    expect(doc.formatVersion).toBe(1);
    expect(doc.nodes.map((n: { name: string; status: string }) => [n.name, n.status])).toEqual([
      ['eks-1', 'changes'], ['aks-ok', 'compliant'], ['eks-broken', 'error'],
    ]);
    expect(doc.nodes[2].error).toMatch(/kubelet-config\.json:4:21/);
    expect(Object.keys(doc.nodes[0].findings[0])).toEqual(expect.arrayContaining(['control', 'setting', 'value', 'source', 'compliant']));
    expect(Object.keys(doc.nodes[0].changes[0])).toEqual(expect.arrayContaining(['path', 'diff', 'sha256Before', 'contentAfter', 'mode', 'owner']));
  });
});

describe('plan file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'planfile-'));

  it('round-trips exactly', async () => {
    const file = join(dir, 'plan.json');
    await writePlanFile(file, plan);
    expect(await readPlanFile(file)).toEqual(plan);
  });

  it('refuses another format version, naming it', async () => {
    const file = join(dir, 'v2.json');
    writeFileSync(file, JSON.stringify({ ...plan, formatVersion: 2 }));
    await expect(readPlanFile(file)).rejects.toThrow(/formatVersion 2; this kubelet-fix reads formatVersion 1/);
  });

  it('refuses a tampered plan with a clear path', async () => {
    const file = join(dir, 'bad.json');
    const bad = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'));
    bad.nodes[0].changes[0].sha256Before = 'nope';
    writeFileSync(file, JSON.stringify(bad));
    await expect(readPlanFile(file)).rejects.toThrow(/at nodes\.0\.changes\.0\.sha256Before/);
  });

  it('refuses a file that is not JSON', async () => {
    const file = join(dir, 'x.json');
    writeFileSync(file, '{ nope');
    await expect(readPlanFile(file)).rejects.toThrow(/is not JSON/);
  });
});
