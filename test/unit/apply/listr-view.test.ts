/**
 * The listr2 view only listens to events: fed the events of an apply (here: the rollout with a
 * per-node function that emits what the real core emits), it ends when every node has ended and
 * shows each node's steps and outcome.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ApplyEventSink } from '../../../src/apply/events.js';
import { createApplyView } from '../../../src/apply/listr-view.js';
import { STEP_ORDER, type NodeApplyRecord } from '../../../src/apply/record.js';
import { rollout } from '../../../src/apply/rollout.js';
import { untouchedRecord } from '../../../src/apply/steps.js';
import type { NodePlan, Plan } from '../../../src/plan/types.js';

function node(name: string, status: NodePlan['status'] = 'changes'): NodePlan {
  return { name, status, findings: [], changes: [], restartReasons: [], needsDaemonReload: false, needsRestart: true, notes: [] };
}

function plan(nodes: NodePlan[]): Plan {
  return {
    formatVersion: 1,
    tool: { name: 'kubelet-fix', version: '0.1.0' },
    createdAt: '2026-01-01T00:00:00Z',
    controls: [],
    nodes,
    summary: { nodes: nodes.length, toChange: 0, compliant: 0, errors: 0 },
  };
}

/** Emits node-start, a step-start/step-end per step, as the core does; `fail` fails at "restart". */
function emittingNode(emit: ApplyEventSink, fail: Set<string>) {
  return async (n: NodePlan): Promise<NodeApplyRecord> => {
    emit({ type: 'node-start', node: n.name });
    const failed = fail.has(n.name);
    const rec = untouchedRecord(n, failed ? 'rolled-back' : 'applied', failed ? 'Restart kubelet.service: exit 1' : '');
    let reached = false;
    for (const s of rec.steps) {
      await new Promise((r) => setTimeout(r, 1));
      if (s.step === 'restart' && failed) {
        s.outcome = 'failed';
        s.message = 'systemctl restart failed (exit 1)';
        reached = true;
      } else if (s.step === 'rollback') {
        s.outcome = failed ? 'ok' : 'skipped';
        s.message = failed ? 'old files back' : 'nothing to roll back';
      } else if (!reached || s.step === 'unlock') {
        s.outcome = 'ok';
        s.message = 'done';
      }
      emit({ type: 'step-start', node: n.name, step: s.step, title: s.title });
      emit({ type: 'step-output', node: n.name, step: s.step, line: `$ command for ${s.step}` });
      emit({ type: 'step-end', node: n.name, step: s });
    }
    return rec;
  };
}

async function render(renderer: 'silent' | 'simple', nodes: NodePlan[], fail: Set<string>): Promise<string> {
  const p = plan(nodes);
  const view = createApplyView(p, { renderer });
  const writes: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    writes.push(String(chunk));
    return true;
  };
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const spyErr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    const shown = view.run();
    await rollout(p.nodes, emittingNode(view.onEvent, fail), { parallel: 2, maxFailures: 0, onEvent: view.onEvent });
    await shown;
  } finally {
    spy.mockRestore();
    spyErr.mockRestore();
  }
  return writes.join('');
}

describe('createApplyView', () => {
  it('ends once every node has ended, started or not (silent renderer)', async () => {
    const out = await render('silent', [node('a'), node('b'), node('ok', 'compliant')], new Set());
    expect(out).toBe('');
  });

  it('shows every step of each node and its outcome, and the nodes never started', async () => {
    const out = await render('simple', [node('a'), node('b'), node('c'), node('d'), node('ok', 'compliant')], new Set(['b']));
    expect(out).toContain('✔ [a] Outcome: applied');
    expect(out).toContain('✖ [b] Restart kubelet.service: systemctl restart failed (exit 1)');
    expect(out).toContain('✔ [b] Roll back: old files back');
    expect(out).toContain('✖ [b] Outcome: rolled back (Restart kubelet.service: exit 1)');
    expect(out).toContain('✔ [c] Outcome: applied');
    expect(out).toContain('d: not started (not started: 1 node failed (b), more than --max-failures 0)');
    expect(out).toContain('ok: compliant');
    expect(out).toContain('› $ command for write');
    for (const title of ['Back up 0 files', 'Wait until the kubelet is active and stable']) expect(out).toContain(`[a] ${title}`);
  });
});
