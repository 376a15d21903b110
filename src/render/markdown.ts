import type { NodePlan, Plan } from '../plan/types.js';
import { summaryLine } from './text.js';

const STATUS: Record<NodePlan['status'], string> = { compliant: '✅ compliant', changes: '🟡 changes', error: '❌ error' };

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Fence that no line of the content can close early. */
function fence(content: string): string {
  let f = '```';
  while (content.includes(f)) f += '`';
  return f;
}

function nodeSection(n: NodePlan): string {
  const lines = [`### ${n.name} — ${STATUS[n.status]}`, ''];
  if (n.error) lines.push(`**Error:** ${n.error}`, '');
  if (n.findings.length) {
    lines.push('| control | setting | value | compliant | source |', '|---|---|---|---|---|');
    for (const f of n.findings) {
      lines.push(`| ${cell(f.control)} | \`${cell(f.setting)}\` | \`${cell(String(f.value))}\` | ${f.compliant ? 'yes' : `**no** (${cell(f.requirement)})`} | ${cell(f.source)} |`);
    }
    lines.push('');
  }
  for (const ch of n.changes) {
    const f = fence(ch.diff);
    lines.push(`<details><summary><code>${ch.path}</code>: ${ch.reason}</summary>`, '', `${f}diff`, ch.diff.trimEnd(), f, '', '</details>', '');
  }
  if (n.needsRestart) lines.push(`Then: ${n.needsDaemonReload ? '`systemctl daemon-reload`, ' : ''}\`systemctl restart kubelet\`, verify.`, '');
  for (const note of n.notes) lines.push(`> ${note}`, '');
  return lines.join('\n');
}

/** For a pull-request comment: the summary first, then each node with its diffs folded. */
export function renderPlanMarkdown(plan: Plan): string {
  const head = [
    `## kubelet-fix plan: ${summaryLine(plan)}`,
    '',
    `Controls: ${plan.controls.map((c) => `${c.title} (${c.benchmarks.map((b) => `${b.benchmark} ${b.id}`).join(', ')})`).join('; ')}`,
    '',
    '| node | status | changes |',
    '|---|---|---|',
    ...plan.nodes.map((n) => `| ${cell(n.name)} | ${STATUS[n.status]} | ${n.changes.map((c) => `\`${c.path}\``).join(', ') || (n.needsRestart ? 'restart only' : '—')} |`),
    '',
  ];
  return `${[...head, ...plan.nodes.map(nodeSection)].join('\n').trimEnd()}\n`;
}
