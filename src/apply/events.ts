/**
 * What apply reports while it runs. The core only emits these; a view (listr2 in the CLI,
 * nothing in tests) turns them into progress, so the core stays free of terminal concerns.
 */
import type { NodeApplyRecord, StepId, StepRecord } from './record.js';

export type ApplyEvent =
  /** The rollout will run this node: first as the canary, or in the rollout after it. */
  | { type: 'node-queued'; node: string; role: 'canary' | 'rollout' }
  | { type: 'node-start'; node: string }
  | { type: 'step-start'; node: string; step: StepId; title: string }
  /** A command (dry run: that would run) or a per-file result, as it happens. */
  | { type: 'step-output'; node: string; step: StepId; line: string }
  | { type: 'step-end'; node: string; step: StepRecord }
  /** Every node gets exactly one, started or not; `record.outcome` says how it ended. */
  | { type: 'node-end'; node: string; record: NodeApplyRecord };

export type ApplyEventSink = (event: ApplyEvent) => void;
