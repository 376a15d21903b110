import type { Command } from 'commander';
import { readPlanFile } from '../plan/plan-file.js';
import { renderPlan } from './plan-command.js';
import { parseFormat, useColor, type Format } from './output.js';

export function addShowCommand(program: Command): void {
  program
    .command('show')
    .description('render a saved plan (text, json, or markdown for a pull-request comment)')
    .argument('<plan-file>', 'a plan written by `fix plan --out`')
    .option('--format <format>', 'output: text, json or markdown', parseFormat, 'text')
    .option('--no-color', 'no colour in text output')
    .action(async (file: string, opts: { format: Format; color?: boolean }) => {
      const plan = await readPlanFile(file);
      process.stdout.write(renderPlan(plan, opts.format, useColor(process.stdout, opts.color)));
    });
}
