import type { Control } from '../controls/types.js';
import { PLAN_FORMAT_VERSION, type NodePlan, type Plan } from './types.js';

/** Wraps node plans into the versioned document; time and version are passed in, never read here. */
export function assemblePlan(nodes: NodePlan[], controls: Control[], meta: { createdAt: string; version: string }): Plan {
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    tool: { name: 'kubelet-fix', version: meta.version },
    createdAt: meta.createdAt,
    controls: controls.map((c) => ({ id: c.id, title: c.title, benchmarks: c.benchmarks })),
    nodes,
    summary: {
      nodes: nodes.length,
      toChange: nodes.filter((n) => n.status === 'changes').length,
      compliant: nodes.filter((n) => n.status === 'compliant').length,
      errors: nodes.filter((n) => n.status === 'error').length,
    },
  };
}
