/**
 * `fix apply PLAN.json`: the reviewed plan, applied exactly, node by node in a canary-first
 * rollout, with a record of everything done. Returns the outcome; only the CLI decides the exit.
 */
import { randomBytes } from 'node:crypto';
import type { NodePlan, Plan } from '../plan/types.js';
import type { NodeTarget, Transport } from '../transport/transport.js';
import type { ApplyEventSink } from './events.js';
import { applyNodeVia, type ApplyTiming, type ReadFiles } from './node-apply.js';
import { APPLY_RECORD_FORMAT_VERSION, summarize, type ApplyRecord } from './record.js';
import { rollout } from './rollout.js';

export const DEFAULT_PARALLEL = 3;
export const DEFAULT_MAX_FAILURES = 0;

export interface ApplyPlanOptions {
  /** Opens a transport to a planned node; it must insist on the plan's host key (see plannedTarget). */
  connect: (node: NodePlan) => Promise<Transport>;
  /** The planner, to check the node before and after the change. */
  replan: (t: Transport) => Promise<NodePlan>;
  /** Default: the facts reader (src/facts/gather.ts). */
  readFiles?: ReadFiles;
  parallel?: number;
  maxFailures?: number;
  canary?: string;
  dryRun?: boolean;
  /** Ctrl-C: no new node starts; a node in flight finishes or rolls back. */
  signal?: AbortSignal;
  onEvent?: ApplyEventSink;
  now?: () => Date;
  timing?: Partial<ApplyTiming>;
  lockMethod?: 'auto' | 'flock' | 'mkdir';
  /** Where the plan was read from, for the record. */
  planFile?: string;
  toolVersion?: string;
}

export interface ApplyResult {
  /** Every node with changes ended applied and verified (dry run: would apply), none had a plan error. */
  ok: boolean;
  record: ApplyRecord;
}

/**
 * The target to connect to for a planned node: the plan's host key becomes the only one accepted,
 * so apply never changes a machine other than the one that was reviewed.
 */
export function plannedTarget(target: NodeTarget, node: NodePlan): NodeTarget {
  const fingerprint = node.identity?.hostKeyFingerprint;
  if (!fingerprint) throw new Error(`${node.name}: the plan has no host key for this node: run fix plan again`);
  return { ...target, expectedHostKeyFingerprint: fingerprint };
}

export async function applyPlan(plan: Plan, o: ApplyPlanOptions): Promise<ApplyResult> {
  const now = o.now ?? (() => new Date());
  const startedAt = now();
  const applyId = randomBytes(4).toString('hex');
  const parallel = o.parallel ?? DEFAULT_PARALLEL;
  const maxFailures = o.maxFailures ?? DEFAULT_MAX_FAILURES;

  const result = await rollout(
    plan.nodes,
    (node) =>
      applyNodeVia(() => o.connect(node), node, {
        replan: o.replan,
        ...(o.readFiles ? { readFiles: o.readFiles } : {}),
        applyId,
        startedAt,
        now,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.dryRun ? { dryRun: true } : {}),
        ...(o.onEvent ? { onEvent: o.onEvent } : {}),
        ...(o.timing ? { timing: o.timing } : {}),
        ...(o.lockMethod ? { lockMethod: o.lockMethod } : {}),
      }),
    {
      parallel,
      maxFailures,
      ...(o.canary === undefined ? {} : { canary: o.canary }),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.dryRun ? { dryRun: true } : {}),
      ...(o.onEvent ? { onEvent: o.onEvent } : {}),
      now,
    },
  );

  const wanted = o.dryRun ? 'would-apply' : 'applied';
  const ok =
    !result.interrupted &&
    result.records.every((r, i) => {
      const status = plan.nodes[i]!.status;
      return status === 'compliant' || (status === 'changes' && r.outcome === wanted);
    });
  const record: ApplyRecord = {
    formatVersion: APPLY_RECORD_FORMAT_VERSION,
    tool: { name: 'kubelet-fix', version: o.toolVersion ?? plan.tool.version },
    applyId,
    dryRun: o.dryRun === true,
    startedAt: startedAt.toISOString(),
    finishedAt: now().toISOString(),
    plan: { createdAt: plan.createdAt, ...(o.planFile ? { file: o.planFile } : {}) },
    options: { parallel, maxFailures, ...(o.canary === undefined ? {} : { canary: o.canary }) },
    interrupted: result.interrupted,
    ...(result.stoppedBecause ? { stoppedBecause: result.stoppedBecause } : {}),
    nodes: result.records,
    summary: summarize(result.records),
    ok,
  };
  return { ok, record };
}
