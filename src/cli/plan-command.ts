import type { Command } from 'commander';
import { loadControls } from '../controls/load.js';
import { writePlanFile } from '../plan/plan-file.js';
import type { Plan } from '../plan/types.js';
import type { Control } from '../controls/types.js';
import type { NodeTarget } from '../transport/transport.js';
import { renderPlanJson } from '../render/json.js';
import { renderPlanMarkdown } from '../render/markdown.js';
import { renderPlanText } from '../render/text.js';
import { planFleet } from '../run/plan-fleet.js';
import { ExitError } from './exit.js';
import { parseFormat, toolVersion, useColor, type Format } from './output.js';
import { addTargetOptions, targetsFrom, type TargetOptions } from './target-options.js';

export interface PlanOptions extends TargetOptions {
  out?: string;
  format: Format;
  detailedExitcode?: boolean;
  color?: boolean;
  controls?: string;
}

export function renderPlan(plan: Plan, format: Format, color: boolean): string {
  if (format === 'json') return renderPlanJson(plan);
  if (format === 'markdown') return renderPlanMarkdown(plan);
  return renderPlanText(plan, { color });
}

/** Plans the given nodes; shared by `fix plan` and `fix apply` without a plan file. */
export async function planTargets(targets: NodeTarget[], controls: Control[], opts: { concurrency: number; format: Format }): Promise<Plan> {
  if (opts.format === 'text') process.stderr.write(`Planning ${targets.length} node${targets.length === 1 ? '' : 's'} (${controls.map((c) => c.id).join(', ')})...\n`);
  return planFleet(targets, controls, { concurrency: opts.concurrency, version: toolVersion(), now: () => new Date() });
}

export function planExitCode(plan: Plan, detailed: boolean | undefined): number {
  if (plan.summary.errors > 0) return 1;
  return detailed && plan.summary.toChange > 0 ? 2 : 0;
}

export function addPlanCommand(program: Command): void {
  const cmd = program
    .command('plan')
    .description('read each node, show where each setting comes from and the exact file edits that would fix it (changes nothing)');
  addTargetOptions(cmd)
    .option('--out <file>', 'save the plan as versioned JSON, for review and for `fix apply FILE`')
    .option('--format <format>', 'output: text, json or markdown', parseFormat, 'text')
    .option('--detailed-exitcode', 'exit 0 when nothing to change, 2 when there are changes, 1 on any error')
    .option('--no-color', 'no colour in text output (NO_COLOR is honoured too)')
    .option('--controls <dir>', 'folder of control files to use instead of the bundled plans/')
    .action(async (opts: PlanOptions) => {
      const plan = await planTargets(await targetsFrom(opts), await loadControls(opts.controls), opts);
      if (opts.out) await writePlanFile(opts.out, plan);
      process.stdout.write(renderPlan(plan, opts.format, useColor(process.stdout, opts.color)));
      if (opts.out && opts.format === 'text') process.stdout.write(`Plan saved to ${opts.out}: apply it with \`fix apply ${opts.out}\`.\n`);
      throw new ExitError(planExitCode(plan, opts.detailedExitcode));
    });
}
