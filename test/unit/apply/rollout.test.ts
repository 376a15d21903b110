/**
 * Rollout order with a per-node function that records when each node starts and ends: the
 * canary goes alone, the rest never exceed --parallel, failures stop new starts, stale nodes
 * do not, an interrupt stops new starts but lets the node in flight finish.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ApplyEvent } from '../../../src/apply/events.js';
import { untouchedRecord } from '../../../src/apply/steps.js';
import type { NodeOutcome } from '../../../src/apply/record.js';
import { rollout, RolloutOptionError } from '../../../src/apply/rollout.js';
import type { NodePlan } from '../../../src/plan/types.js';

function node(name: string, status: NodePlan['status'] = 'changes'): NodePlan {
  return {
    name,
    status,
    findings: [],
    changes: [],
    restartReasons: [],
    needsDaemonReload: false,
    needsRestart: status === 'changes',
    notes: [],
    ...(status === 'error' ? { error: 'cannot read /etc/default/kubelet' } : {}),
  };
}

/** A fake node apply: each node takes `ms` and ends with the given outcome (default applied). */
function fakeFleet(outcomes: Record<string, NodeOutcome> = {}, ms = 20) {
  const log: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const delays: Record<string, number> = {};
  const run = async (n: NodePlan) => {
    log.push(`start ${n.name}`);
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    await sleep(delays[n.name] ?? ms);
    running -= 1;
    log.push(`end ${n.name}`);
    const outcome = outcomes[n.name] ?? 'applied';
    return { ...untouchedRecord(n, outcome, outcome === 'applied' ? '' : `${n.name} ${outcome}`), outcome };
  };
  return { run, log, delays, maxRunning: () => maxRunning };
}

const names = (...n: string[]) => n.map((x) => node(x));

describe('rollout', () => {
  it('runs the canary alone, then the rest at most --parallel at a time', async () => {
    const f = fakeFleet();
    const r = await rollout(names('a', 'b', 'c', 'd', 'e', 'f'), f.run, { parallel: 2, maxFailures: 0 });
    expect(f.log.slice(0, 2)).toEqual(['start a', 'end a']);
    expect(f.maxRunning()).toBe(2);
    expect(r.records.map((x) => x.outcome)).toEqual(Array(6).fill('applied'));
    expect(r.stoppedBecause).toBeUndefined();
  });

  it('takes the named canary first', async () => {
    const f = fakeFleet();
    await rollout(names('a', 'b', 'c'), f.run, { parallel: 3, maxFailures: 0, canary: 'c' });
    expect(f.log[0]).toBe('start c');
    expect(f.log[1]).toBe('end c');
  });

  it('stops at a failed canary and says which nodes were not started and why', async () => {
    const f = fakeFleet({ a: 'rolled-back' });
    const r = await rollout(names('a', 'b', 'c'), f.run, { parallel: 3, maxFailures: 0 });
    expect(f.log).toEqual(['start a', 'end a']);
    expect(r.records.map((x) => [x.node, x.outcome])).toEqual([['a', 'rolled-back'], ['b', 'not-started'], ['c', 'not-started']]);
    expect(r.stoppedBecause).toBe('1 node failed (a), more than --max-failures 0');
    expect(r.records[1]!.reason).toBe('not started: 1 node failed (a), more than --max-failures 0');
  });

  it('stops starting nodes after a failure in a batch; nodes in flight finish', async () => {
    const f = fakeFleet({ c: 'rollback-failed' });
    f.delays.b = 80;
    const r = await rollout(names('a', 'b', 'c', 'd', 'e', 'f'), f.run, { parallel: 2, maxFailures: 0 });
    // a (canary), then b and c together; c fails first, b finishes, and nothing new starts.
    expect(f.log).toEqual(['start a', 'end a', 'start b', 'start c', 'end c', 'end b']);
    expect(r.records.map((x) => x.outcome)).toEqual(['applied', 'applied', 'rollback-failed', 'not-started', 'not-started', 'not-started']);
  });

  it('starts a batch only when the whole previous batch has ended', async () => {
    const f = fakeFleet();
    f.delays.b = 80;
    await rollout(names('a', 'b', 'c', 'd', 'e'), f.run, { parallel: 2, maxFailures: 0 });
    expect(f.log).toEqual(['start a', 'end a', 'start b', 'start c', 'end c', 'end b', 'start d', 'start e', 'end d', 'end e']);
  });

  it('tolerates --max-failures failures', async () => {
    const f = fakeFleet({ b: 'failed' });
    const r = await rollout(names('a', 'b', 'c', 'd'), f.run, { parallel: 1, maxFailures: 1 });
    expect(r.records.map((x) => x.outcome)).toEqual(['applied', 'failed', 'applied', 'applied']);
  });

  it('does not count a stale node as a failure, and the next node becomes the canary', async () => {
    const f = fakeFleet({ a: 'stale' });
    const r = await rollout(names('a', 'b', 'c', 'd'), f.run, { parallel: 2, maxFailures: 0 });
    expect(f.log.slice(0, 4)).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(r.records.map((x) => x.outcome)).toEqual(['stale', 'applied', 'applied', 'applied']);
  });

  it('never runs compliant or errored nodes and reports them', async () => {
    const f = fakeFleet();
    const events: ApplyEvent[] = [];
    const r = await rollout([node('ok', 'compliant'), node('a'), node('bad', 'error')], f.run, {
      parallel: 1,
      maxFailures: 0,
      onEvent: (e) => events.push(e),
    });
    expect(f.log).toEqual(['start a', 'end a']);
    expect(r.records.map((x) => [x.node, x.outcome])).toEqual([['ok', 'skipped'], ['a', 'applied'], ['bad', 'not-applied']]);
    expect(r.records[2]!.reason).toContain('cannot read /etc/default/kubelet');
    // Every node gets exactly one node-end.
    expect(events.filter((e) => e.type === 'node-end').map((e) => e.node).sort()).toEqual(['a', 'bad', 'ok']);
    expect(events.find((e) => e.type === 'node-queued')).toEqual({ type: 'node-queued', node: 'a', role: 'canary' });
  });

  it('on interrupt starts nothing new and lets the node in flight finish', async () => {
    const ac = new AbortController();
    const f = fakeFleet({}, 50);
    const p = rollout(names('a', 'b', 'c'), f.run, { parallel: 2, maxFailures: 0, signal: ac.signal });
    await sleep(10);
    ac.abort();
    const r = await p;
    expect(f.log).toEqual(['start a', 'end a']);
    expect(r.interrupted).toBe(true);
    expect(r.records.map((x) => x.outcome)).toEqual(['applied', 'not-started', 'not-started']);
    expect(r.records[1]!.reason).toBe('not started: interrupted');
  });

  it('dry run: every node is checked, in parallel, whatever fails', async () => {
    const f = fakeFleet({ a: 'failed' });
    const r = await rollout(names('a', 'b', 'c'), f.run, { parallel: 3, maxFailures: 0, dryRun: true });
    expect(f.maxRunning()).toBe(3);
    expect(r.records.map((x) => x.outcome)).toEqual(['failed', 'applied', 'applied']);
  });

  it('records a node whose apply throws as failed, and counts it', async () => {
    const r = await rollout(
      names('a', 'b'),
      async (n) => {
        throw new Error(`boom on ${n.name}`);
      },
      { parallel: 1, maxFailures: 0 },
    );
    expect(r.records.map((x) => [x.outcome, x.reason])).toEqual([
      ['failed', 'unexpected error: boom on a'],
      ['not-started', 'not started: 1 node failed (a), more than --max-failures 0'],
    ]);
  });

  it('refuses bad options clearly', async () => {
    const f = fakeFleet();
    await expect(rollout(names('a'), f.run, { parallel: 0, maxFailures: 0 })).rejects.toThrow(/--parallel must be a whole number of at least 1, not 0/);
    await expect(rollout(names('a'), f.run, { parallel: 1, maxFailures: -1 })).rejects.toThrow(RolloutOptionError);
    await expect(rollout(names('a'), f.run, { parallel: 1, maxFailures: 0, canary: 'zz' })).rejects.toThrow('canary zz is not a node in the plan');
    await expect(rollout([node('a'), node('ok', 'compliant')], f.run, { parallel: 1, maxFailures: 0, canary: 'ok' })).rejects.toThrow(
      'canary ok has nothing to apply (plan status: compliant)',
    );
    expect(f.log).toEqual([]);
  });
});
