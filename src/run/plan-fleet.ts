/**
 * The effectful half of `fix plan`: reach each node, read its facts, and hand them to the pure
 * planner. One node's failure becomes that node's error; it never stops the others.
 */
import type { Control } from '../controls/types.js';
import { gatherFacts } from '../facts/gather.js';
import { assembleNodePlan, emptyNodePlan } from '../plan/assemble-node.js';
import { assemblePlan } from '../plan/assemble-plan.js';
import type { NodePlan, Plan } from '../plan/types.js';
import { mapConcurrent } from '../transport/pool.js';
import { connect } from '../transport/ssh-transport.js';
import type { NodeTarget, Transport } from '../transport/transport.js';

export interface PlanFleetOptions {
  concurrency: number;
  version: string;
  now: () => Date;
  signal?: AbortSignal;
  /** Called as each node finishes, for progress output. */
  onNode?: (node: NodePlan) => void;
}

/** Plans one node over an open transport: used by `fix plan` and by apply's verification. */
export async function planNode(t: Transport, controls: Control[]): Promise<NodePlan> {
  const facts = await gatherFacts(t, t.identity.name);
  return assembleNodePlan(facts, controls, { identity: t.identity });
}

export function errorNode(name: string, err: unknown): NodePlan {
  return { ...emptyNodePlan(name), error: err instanceof Error ? err.message : String(err) };
}

export async function planOneTarget(target: NodeTarget, controls: Control[]): Promise<NodePlan> {
  let t: Transport | undefined;
  try {
    t = await connect(target);
    return await planNode(t, controls);
  } catch (err) {
    return errorNode(target.name, err);
  } finally {
    await t?.close().catch(() => undefined);
  }
}

export async function planFleet(targets: NodeTarget[], controls: Control[], options: PlanFleetOptions): Promise<Plan> {
  const settled = await mapConcurrent(
    targets,
    options.concurrency,
    async (target) => {
      const node = await planOneTarget(target, controls);
      options.onNode?.(node);
      return node;
    },
    options.signal,
  );
  const nodes = settled.map((s, i) => (s.status === 'fulfilled' ? s.value : errorNode(targets[i]!.name, s.reason)));
  return assemblePlan(nodes, controls, { createdAt: options.now().toISOString(), version: options.version });
}
