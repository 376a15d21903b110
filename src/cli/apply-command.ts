import { input } from '@inquirer/prompts';
import type { Command } from 'commander';
import { applyPlan, DEFAULT_MAX_FAILURES, DEFAULT_PARALLEL, plannedTarget } from '../apply/apply-plan.js';
import { describeApply, describeDryRun } from '../apply/describe.js';
import { createApplyView } from '../apply/listr-view.js';
import { writeApplyRecord } from '../apply/record.js';
import { loadControls } from '../controls/load.js';
import { readFiles } from '../facts/gather.js';
import { readPlanFile } from '../plan/plan-file.js';
import type { NodePlan, Plan } from '../plan/types.js';
import { renderPlanText } from '../render/text.js';
import { planNode } from '../run/plan-fleet.js';
import { connect } from '../transport/ssh-transport.js';
import { resolveTargets } from '../transport/targets.js';
import type { NodeTarget } from '../transport/transport.js';
import { ExitError, UsageError } from './exit.js';
import { parsePositiveInt, toolVersion, useColor } from './output.js';
import { planTargets } from './plan-command.js';
import { addTargetOptions, targetsFrom, type TargetOptions } from './target-options.js';

interface ApplyOptions extends TargetOptions {
  yes?: boolean;
  dryRun?: boolean;
  parallel: number;
  maxFailures: number;
  record?: string;
  color?: boolean;
  controls?: string;
}

/** Terraform's rule: only the word "yes" approves; anything else, or no terminal to ask on, refuses. */
async function approve(plan: Plan, opts: ApplyOptions): Promise<void> {
  if (opts.yes || opts.dryRun) return;
  if (!process.stdin.isTTY) {
    throw new UsageError('refusing to apply without approval: there is no terminal to ask on. Pass --yes, or save a plan with `fix plan --out FILE` and apply that reviewed file');
  }
  const n = plan.summary.toChange;
  const answer = await input({ message: `Apply these changes to ${n} node${n === 1 ? '' : 's'}? Only "yes" will be accepted:` });
  if (answer.trim() !== 'yes') throw new ExitError(1, 'Apply cancelled: nothing was changed.');
}

/**
 * How to reach each planned node. With target options, the nodes they name (by name); otherwise
 * the address, port and user recorded in the plan, with identities and known_hosts from the ssh config.
 */
async function targetsForPlan(plan: Plan, opts: ApplyOptions, fromOptions: NodeTarget[] | undefined): Promise<Map<string, NodeTarget>> {
  const byName = new Map<string, NodeTarget>();
  for (const t of fromOptions ?? []) byName.set(t.name, t);
  if (fromOptions) {
    const planned = new Set(plan.nodes.map((n) => n.name));
    const extra = fromOptions.filter((t) => !planned.has(t.name)).map((t) => t.name);
    if (extra.length) throw new UsageError(`not in the plan: ${extra.join(', ')} (a plan file applies only the nodes it was made for)`);
  }
  const missing = plan.nodes.filter((n) => n.status === 'changes' && !byName.has(n.name) && n.identity);
  const sshConfig = opts.sshConfig ? { sshConfig: opts.sshConfig } : {};
  for (const n of missing) {
    const id = n.identity!;
    // The name the plan was made with (an ssh config alias, or the host itself) gives the same
    // identity files and known_hosts as then; if it now points elsewhere, use the recorded address.
    const [byAlias] = await resolveTargets({ hosts: [n.name], ...sshConfig }).catch(() => [undefined]);
    if (byAlias && byAlias.host === id.address && byAlias.port === id.port) {
      byName.set(n.name, { ...byAlias, user: id.user, name: n.name });
      continue;
    }
    const host = id.address.includes(':') ? `[${id.address}]` : id.address;
    const [byAddress] = await resolveTargets({ hosts: [`${id.user}@${host}:${id.port}`], ...sshConfig });
    byName.set(n.name, { ...byAddress!, name: n.name });
  }
  return byName;
}

export function addApplyCommand(program: Command): void {
  const cmd = program
    .command('apply')
    .description('apply a reviewed plan file, or plan, show the changes and ask; then on each node: lock, back up, write, daemon-reload, restart, verify, roll back on failure. A canary node goes first, then batches of --parallel; the rollout stops after --max-failures. Ctrl-C starts no new node; the node in flight finishes or rolls back.')
    .argument('[plan-file]', 'a plan saved by `fix plan --out` (the file is the approval: no question is asked)');
  addTargetOptions(cmd)
    .option('--yes', 'approve without asking (when planning now, without a plan file)')
    .option('--dry-run', 'change nothing: check each node and print the exact commands and writes, in order')
    .option('--parallel <n>', 'nodes changed at the same time after the canary', parsePositiveInt('--parallel'), DEFAULT_PARALLEL)
    .option('--max-failures <n>', 'failed nodes tolerated before the rollout stops', parsePositiveInt('--max-failures', 0), DEFAULT_MAX_FAILURES)
    .option('--record <file>', 'where to save the JSON record of the apply (default: ./kubelet-fix-apply-<time>.json)')
    .option('--no-color', 'no colour in text output')
    .option('--controls <dir>', 'folder of control files to use instead of the bundled plans/')
    .action(async (planFile: string | undefined, opts: ApplyOptions) => {
      const controls = await loadControls(opts.controls);
      let plan: Plan;
      let fromOptions: NodeTarget[] | undefined;
      if (planFile) {
        plan = await readPlanFile(planFile);
        if (opts.hosts || opts.inventory) fromOptions = await targetsFrom(opts);
      } else {
        fromOptions = await targetsFrom(opts);
        plan = await planTargets(fromOptions, controls, { concurrency: opts.concurrency, format: 'text' });
        process.stdout.write(renderPlanText(plan, { color: useColor(process.stdout, opts.color) }));
      }
      if (plan.summary.toChange === 0) {
        process.stdout.write(plan.summary.errors ? 'Nothing to apply on the nodes without errors.\n' : 'Nothing to do: every node is compliant.\n');
        throw new ExitError(plan.summary.errors ? 1 : 0);
      }
      if (!planFile) await approve(plan, opts);
      const targets = await targetsForPlan(plan, opts, fromOptions);

      const abort = new AbortController();
      const onSigint = (): void => {
        if (!abort.signal.aborted) process.stderr.write('\nInterrupted: no new node will start; the node in flight finishes or rolls back.\n');
        abort.abort();
      };
      process.on('SIGINT', onSigint);
      const view = createApplyView(plan, { renderer: opts.dryRun ? 'silent' : process.stdout.isTTY ? 'default' : 'simple', ...(opts.dryRun ? { dryRun: true } : {}) });
      const viewDone = view.run();
      try {
        const result = await applyPlan(plan, {
          connect: (node: NodePlan) => {
            const target = targets.get(node.name);
            if (!target) throw new Error(`${node.name}: no way to reach this node (name it with --hosts or --inventory)`);
            return connect(plannedTarget(target, node));
          },
          replan: (t) => planNode(t, controls),
          readFiles: async (t, paths) => (await readFiles(t, paths, [])).files,
          parallel: opts.parallel,
          maxFailures: opts.maxFailures,
          signal: abort.signal,
          onEvent: view.onEvent,
          toolVersion: toolVersion(),
          ...(opts.dryRun ? { dryRun: true } : {}),
          ...(planFile ? { planFile } : {}),
        });
        await viewDone;
        if (opts.dryRun) process.stdout.write(`${describeDryRun(result.record)}\n`);
        const recordPath = await writeApplyRecord(result.record, ...(opts.record ? [opts.record] : []));
        process.stdout.write(`${describeApply(result.record, recordPath)}\n`);
        throw new ExitError(result.ok ? 0 : 1);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
