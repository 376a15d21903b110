/**
 * The steps of a node apply as people see them, and the record of a node that was never
 * contacted (every step "not run"), shared by the core, the rollout and the display.
 */
import type { NodePlan } from '../plan/types.js';
import { LOCK_FILE } from './remote-steps.js';
import { STEP_ORDER, type NodeApplyRecord, type NodeOutcome, type StepId } from './record.js';

export function stepTitles(node: NodePlan): Record<StepId, string> {
  const unit = node.kubelet?.unit ?? 'kubelet.service';
  const n = node.changes.length;
  const files = `${n} file${n === 1 ? '' : 's'}`;
  return {
    connect: 'Connect (host key as in the plan)',
    lock: `Lock the node (${LOCK_FILE})`,
    preflight: 'Check the node still matches the plan',
    backup: `Back up ${files}`,
    write: `Write ${files} atomically`,
    'daemon-reload': 'Reload systemd units (if a unit changed)',
    restart: `Restart ${unit}`,
    'wait-active': 'Wait until the kubelet is active and stable',
    verify: 'Verify the running kubelet is compliant',
    status: `systemctl status ${unit}`,
    'plan-again': 'Plan again: nothing left to change',
    rollback: 'Roll back',
    unlock: 'Unlock the node',
  };
}

/** A record for a node that is never contacted (plan says compliant or error, or the rollout stopped). */
export function untouchedRecord(node: NodePlan, outcome: NodeOutcome, reason: string, now: Date = new Date()): NodeApplyRecord {
  const at = now.toISOString();
  const titles = stepTitles(node);
  return {
    node: node.name,
    outcome,
    reason,
    steps: STEP_ORDER.map((id) => ({ step: id, title: titles[id], outcome: 'skipped', startedAt: at, finishedAt: at, message: 'not run', commands: [] })),
    files: [],
    backups: [],
  };
}

