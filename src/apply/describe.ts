/**
 * Plain-text account of an apply for the terminal: one line per node, the nodes left untouched,
 * and for a dry run every command in the order it would run. Colour is the CLI's business.
 */
import type { ApplyRecord, NodeApplyRecord, NodeOutcome } from './record.js';

const OUTCOME_TEXT: Record<NodeOutcome, string> = {
  applied: 'applied',
  'would-apply': 'would apply',
  skipped: 'compliant',
  'not-applied': 'not applied',
  stale: 'stale',
  failed: 'failed',
  'rolled-back': 'rolled back',
  'rollback-failed': 'ROLLBACK FAILED',
  'not-started': 'not started',
  aborted: 'interrupted',
};

export function outcomeText(o: NodeOutcome): string {
  return OUTCOME_TEXT[o];
}

function nodeLine(n: NodeApplyRecord, width: number): string {
  const what =
    n.outcome === 'applied'
      ? (n.steps.find((s) => s.step === 'verify')?.message ?? 'verified')
      : n.outcome === 'would-apply'
        ? `${n.files.length} file(s) to write; checks passed`
        : (n.reason ?? '');
  const where = n.failedStep && n.outcome !== 'not-started' ? ` [step: ${n.failedStep}]` : '';
  return `${n.node.padEnd(width)}  ${outcomeText(n.outcome).padEnd(15)} ${what}${where}`;
}

/** Nodes the apply did not change: everything except applied and rolled back / half-done ones. */
export function untouchedNodes(record: ApplyRecord): string[] {
  return record.nodes.filter((n) => ['stale', 'failed', 'not-started', 'aborted', 'not-applied'].includes(n.outcome)).map((n) => n.node);
}

export function describeApply(record: ApplyRecord, recordPath?: string): string {
  const width = Math.max(4, ...record.nodes.map((n) => n.node.length));
  const lines = record.nodes.map((n) => nodeLine(n, width));
  const s = record.summary;
  const counts = [
    [s.applied, 'applied'],
    [s.wouldApply, 'would apply'],
    [s.rolledBack, 'rolled back'],
    [s.rollbackFailed, 'ROLLBACK FAILED'],
    [s.failed, 'failed'],
    [s.stale, 'stale'],
    [s.notStarted, 'not started'],
    [s.aborted, 'interrupted'],
    [s.notApplied, 'not applied (plan error)'],
    [s.skipped, 'already compliant'],
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, t]) => `${String(n)} ${String(t)}`);
  lines.push('');
  if (record.stoppedBecause) lines.push(`Stopped: ${record.stoppedBecause}.`);
  const untouched = untouchedNodes(record);
  if (untouched.length && !record.dryRun) lines.push(`Not touched: ${untouched.join(', ')}.`);
  lines.push(`${record.dryRun ? 'Dry run' : 'Apply'}: ${counts.join(', ') || 'nothing to do'}.`);
  if (recordPath) lines.push(`Record: ${recordPath}`);
  return lines.join('\n');
}

/** Every command a dry run would run, node by node, step by step, in order. */
export function describeDryRun(record: ApplyRecord): string {
  const out: string[] = [];
  for (const n of record.nodes) {
    if (n.outcome !== 'would-apply' && n.steps.every((s) => s.commands.length === 0)) continue;
    out.push(`# ${n.node}: ${outcomeText(n.outcome)}${n.reason ? ` (${n.reason})` : ''}`);
    for (const s of n.steps) {
      if (s.outcome === 'skipped' && s.commands.length === 0) continue;
      out.push(`## ${s.title}: ${s.message}`);
      for (const c of s.commands) out.push(`   ${c.replace(/\n/g, '\n   ')}`);
    }
    out.push('');
  }
  return out.join('\n');
}
