import pc from 'picocolors';
import type { FileChange, Finding, NodePlan, Plan } from '../plan/types.js';

export interface TextOptions {
  color: boolean;
}

type Colors = ReturnType<typeof pc.createColors>;

function colorDiff(diff: string, c: Colors): string {
  return diff
    .split('\n')
    .filter((l) => !/^=+$/.test(l) && !l.startsWith('Index: '))
    .map((l) => {
      if (l.startsWith('+++') || l.startsWith('---')) return c.bold(l);
      if (l.startsWith('@@')) return c.cyan(l);
      if (l.startsWith('+')) return c.green(l);
      if (l.startsWith('-')) return c.red(l);
      return l;
    })
    .join('\n')
    .trimEnd();
}

function value(v: Finding['value'] | undefined): string {
  return v === null || v === undefined ? '(unset)' : String(v);
}

function findingLines(f: Finding, c: Colors): string[] {
  const mark = f.compliant ? c.green('PASS') : c.red('FAIL');
  const lines = [`  ${mark} ${f.setting} = ${c.bold(value(f.value))}  (${f.requirement}${f.compliant ? '' : `; fix: ${String(f.fix)}`})  [${f.control}]`];
  lines.push(`       from ${f.source}`);
  if (f.runningValue !== undefined) lines.push(c.yellow(`       the running kubelet has ${value(f.runningValue)} until it restarts`));
  return lines;
}

function changeLines(ch: FileChange, c: Colors): string[] {
  return [`  ${c.bold(ch.path)} (${ch.format}, ${ch.mode} ${ch.owner}:${ch.group}): ${ch.reason}`, ...colorDiff(ch.diff, c).split('\n').map((l) => `    ${l}`)];
}

export function renderNodeText(node: NodePlan, c: Colors): string {
  const who = node.identity ? ` (${node.identity.user}@${node.identity.address}:${node.identity.port})` : '';
  const status =
    node.status === 'error' ? c.red('error') : node.status === 'changes' ? c.yellow('changes planned') : c.green('compliant');
  const out = [`${c.bold(`Node ${node.name}`)}${who}: ${status}`];
  if (node.error) out.push(c.red(`  error: ${node.error}`));
  for (const f of node.findings) out.push(...findingLines(f, c));
  if (node.changes.length) {
    out.push('  Changes:');
    for (const ch of node.changes) out.push(...changeLines(ch, c));
  }
  for (const r of node.restartReasons) out.push(c.yellow(`  restart needed: ${r}`));
  if (node.needsRestart) {
    const steps = [node.needsDaemonReload ? 'systemctl daemon-reload' : undefined, 'systemctl restart kubelet', 'verify'].filter(Boolean);
    out.push(`  Then: ${steps.join(' → ')}`);
  }
  for (const n of node.notes) out.push(c.dim(`  note: ${n}`));
  return out.join('\n');
}

export function summaryLine(plan: Plan): string {
  const s = plan.summary;
  return `${s.nodes} node${s.nodes === 1 ? '' : 's'}: ${s.toChange} to change, ${s.compliant} compliant, ${s.errors} error${s.errors === 1 ? '' : 's'}`;
}

export function renderPlanText(plan: Plan, options: TextOptions): string {
  const c = pc.createColors(options.color);
  const blocks = plan.nodes.map((n) => renderNodeText(n, c));
  return `${blocks.join('\n\n')}\n\n${c.bold(summaryLine(plan))}\n`;
}
