/**
 * One runner for every planner fixture in test/fixtures/plan: a node's facts in, the verdicts,
 * sources and exact changed lines out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadControls } from '../../../src/controls/load.js';
import { applyLineEdits } from '../../../src/plan/edit/line-edits.js';
import { assembleNodePlan } from '../../../src/plan/assemble-node.js';
import { factsFromFixture, type NodeFixture } from '../../helpers/facts-fixture.js';

interface Expect {
  status: 'compliant' | 'changes' | 'error';
  error?: string[];
  findings?: { setting: string; value?: unknown; runningValue?: unknown; compliant?: boolean; source?: string }[];
  changes?: { path: string; removed: string[]; added: string[]; needsDaemonReload?: boolean }[];
  needsDaemonReload?: boolean;
  needsRestart?: boolean;
  notes?: string[];
}

const dir = join(import.meta.dirname, '../../fixtures/plan');
const cases = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
const controls = await loadControls();

describe('planner fixtures', () => {
  it('has fixtures', () => expect(cases.length).toBeGreaterThan(5));

  for (const file of cases) {
    it(file.replace(/\.yaml$/, ''), () => {
      const fx = parse(readFileSync(join(dir, file), 'utf8')) as NodeFixture & { expect: Expect };
      const facts = factsFromFixture(file, fx);
      const plan = assembleNodePlan(facts, controls);
      const want = fx.expect;

      expect({ status: plan.status, error: plan.error }).toMatchObject({ status: want.status });
      for (const part of want.error ?? []) expect(plan.error).toContain(part);

      for (const wf of want.findings ?? []) {
        const got = plan.findings.find((f) => f.setting === wf.setting);
        expect(got, `finding for ${wf.setting}`).toBeDefined();
        if ('value' in wf) expect(got!.value).toEqual(wf.value);
        if ('runningValue' in wf) expect(got!.runningValue).toEqual(wf.runningValue);
        if ('compliant' in wf) expect(got!.compliant).toBe(wf.compliant);
        if (wf.source !== undefined) expect(got!.source).toBe(wf.source);
      }

      if (want.changes) {
        expect(plan.changes.map((c) => c.path).sort()).toEqual(want.changes.map((c) => c.path).sort());
        for (const wc of want.changes) {
          const got = plan.changes.find((c) => c.path === wc.path)!;
          expect(got.edits.flatMap((e) => e.remove)).toEqual(wc.removed);
          expect(got.edits.flatMap((e) => e.insert)).toEqual(wc.added);
          if (wc.needsDaemonReload !== undefined) expect(got.needsDaemonReload).toBe(wc.needsDaemonReload);
          // The line edits rebuild exactly the content the plan shows.
          const before = fx.files[wc.path]!;
          expect(applyLineEdits(before, got.edits)).toBe(got.contentAfter);
          // The diff shows only the lines that change.
          const changed = got.diff.split('\n').filter((l) => /^[+-]/.test(l) && !/^(\+\+\+|---) /.test(l));
          expect(changed.length).toBe(wc.removed.length + wc.added.length);
        }
      }
      if (want.needsDaemonReload !== undefined) expect(plan.needsDaemonReload).toBe(want.needsDaemonReload);
      if (want.needsRestart !== undefined) expect(plan.needsRestart).toBe(want.needsRestart);
      for (const n of want.notes ?? []) expect(plan.notes.join('\n')).toContain(n);
    });
  }

  it('a planned node, re-planned with its edited files, has nothing left to change', () => {
    for (const file of cases) {
      const fx = parse(readFileSync(join(dir, file), 'utf8')) as NodeFixture & { expect: Expect };
      const plan = assembleNodePlan(factsFromFixture(file, fx), controls);
      if (plan.changes.length === 0) continue;
      const files = { ...fx.files };
      for (const c of plan.changes) files[c.path] = c.contentAfter!;
      // After apply the kubelet runs with what the files now say: simulate by planning the edited files
      // with the process started from them (argv unknown here, so use the compliant edited files only).
      const replanned = assembleNodePlan(factsFromFixture(file, { ...fx, files, process: fx.process }), controls);
      expect(replanned.changes, file).toEqual([]);
    }
  });
});
