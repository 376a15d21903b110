/**
 * The order nodes are changed in: a canary first, alone, and only once one node has been changed
 * and verified do the others follow, in batches of `parallel`. The rollout stops starting nodes
 * when more than `maxFailures` nodes failed, or on interrupt; nodes in flight finish (or roll
 * back) and the rest are reported as not started. Nodes that were left untouched because
 * they were stale do not count as failures: the change itself was never tried there.
 */
import type { NodePlan } from '../plan/types.js';
import type { ApplyEventSink } from './events.js';
import { untouchedRecord } from './steps.js';
import type { NodeApplyRecord, NodeOutcome } from './record.js';

export interface RolloutOptions {
  /** Nodes changed at the same time after the canary (at least 1). */
  parallel: number;
  /** Failures tolerated before no new node is started (0: stop at the first). */
  maxFailures: number;
  /** Name of the node to change first; default: the first node with changes. */
  canary?: string;
  signal?: AbortSignal;
  /** Every node is checked and listed; nothing changes, so there is nothing to hold back. */
  dryRun?: boolean;
  onEvent?: ApplyEventSink;
  now?: () => Date;
}

export interface RolloutResult {
  /** One record per node, in plan order. */
  records: NodeApplyRecord[];
  stoppedBecause?: string;
  interrupted: boolean;
}

/** Applies one node; must not throw (a thrown error is recorded as that node's failure). */
export type RunNode = (node: NodePlan) => Promise<NodeApplyRecord>;

/** Outcomes that mean the change was tried on the node and did not take. */
export function countsAsFailure(outcome: NodeOutcome): boolean {
  return outcome === 'failed' || outcome === 'rolled-back' || outcome === 'rollback-failed';
}

export class RolloutOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RolloutOptionError';
  }
}

export async function rollout(nodes: NodePlan[], runNode: RunNode, o: RolloutOptions): Promise<RolloutResult> {
  const now = o.now ?? (() => new Date());
  const emit: ApplyEventSink = (e) => o.onEvent?.(e);
  if (!Number.isInteger(o.parallel) || o.parallel < 1) throw new RolloutOptionError(`--parallel must be a whole number of at least 1, not ${o.parallel}`);
  if (!Number.isInteger(o.maxFailures) || o.maxFailures < 0) throw new RolloutOptionError(`--max-failures must be a whole number of at least 0, not ${o.maxFailures}`);

  const records = new Map<string, NodeApplyRecord>();
  const done = (r: NodeApplyRecord): void => {
    records.set(r.node, r);
    emit({ type: 'node-end', node: r.node, record: r });
  };

  const work = nodes.filter((n) => n.status === 'changes');
  if (o.canary !== undefined && !work.some((n) => n.name === o.canary)) {
    const known = nodes.find((n) => n.name === o.canary);
    throw new RolloutOptionError(
      known ? `canary ${o.canary} has nothing to apply (plan status: ${known.status})` : `canary ${o.canary} is not a node in the plan`,
    );
  }
  const ordered = o.canary === undefined ? work : [work.find((n) => n.name === o.canary)!, ...work.filter((n) => n.name !== o.canary)];
  ordered.forEach((n, i) => emit({ type: 'node-queued', node: n.name, role: i === 0 && !o.dryRun ? 'canary' : 'rollout' }));

  for (const n of nodes) {
    if (n.status === 'compliant') done(untouchedRecord(n, 'skipped', 'compliant in the plan: nothing to do', now()));
    if (n.status === 'error') done(untouchedRecord(n, 'not-applied', `not applied: the plan has an error for this node: ${n.error ?? 'unknown'}`, now()));
  }

  let failures = 0;
  let stoppedBecause: string | undefined;
  let failedNodes: string[] = [];
  const stopReason = (): string | undefined => {
    if (o.signal?.aborted) return 'interrupted';
    if (!o.dryRun && failures > o.maxFailures) {
      return `${failures} node${failures === 1 ? '' : 's'} failed (${failedNodes.join(', ')}), more than --max-failures ${o.maxFailures}`;
    }
    return undefined;
  };
  const runOne = async (n: NodePlan): Promise<NodeApplyRecord> => {
    let r: NodeApplyRecord;
    try {
      r = await runNode(n);
    } catch (err) {
      r = untouchedRecord(n, 'failed', `unexpected error: ${err instanceof Error ? err.message : String(err)}`, now());
    }
    if (countsAsFailure(r.outcome)) {
      failures += 1;
      failedNodes = [...failedNodes, r.node];
    }
    done(r);
    return r;
  };

  const queue = [...ordered];
  // Canary: one node at a time until one has been changed and verified. A stale node proves
  // nothing about the change, so the next node becomes the canary.
  if (!o.dryRun) {
    while (queue.length > 0) {
      stoppedBecause = stopReason();
      if (stoppedBecause) break;
      const r = await runOne(queue.shift()!);
      if (r.outcome === 'applied') break;
    }
  }
  // The rest in batches of `parallel`: a batch starts only when the previous one has ended
  // within the failure budget, so no node starts while a failure may be unfolding.
  while (queue.length > 0) {
    stoppedBecause = stopReason();
    if (stoppedBecause) break;
    await Promise.all(queue.splice(0, o.parallel).map(runOne));
  }
  stoppedBecause ??= queue.length > 0 ? stopReason() : undefined;

  for (const n of queue) done(untouchedRecord(n, 'not-started', `not started: ${stoppedBecause ?? 'the rollout stopped'}`, now()));
  return {
    records: nodes.map((n) => records.get(n.name)!),
    ...(stoppedBecause ? { stoppedBecause } : {}),
    interrupted: o.signal?.aborted === true,
  };
}
