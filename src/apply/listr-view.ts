/**
 * listr2 display of an apply: one task per node, one subtask per step. It only listens to the
 * events the core emits (the core never waits on the display), so the same apply runs with any
 * renderer: 'default' on a TTY, 'simple' or 'verbose' in logs, 'silent' in tests.
 */
import { Listr, type ListrTask } from 'listr2';
import type { NodePlan, Plan } from '../plan/types.js';
import { outcomeText } from './describe.js';
import type { ApplyEvent, ApplyEventSink } from './events.js';
import { stepTitles } from './steps.js';
import { STEP_ORDER, type NodeApplyRecord, type StepId, type StepRecord } from './record.js';
import { countsAsFailure } from './rollout.js';

export type ApplyRenderer = 'default' | 'simple' | 'verbose' | 'silent';

class Deferred<T> {
  resolve!: (v: T) => void;
  readonly promise = new Promise<T>((r) => {
    this.resolve = r;
  });
}

type NodeStart = { kind: 'started' } | { kind: 'ended'; record: NodeApplyRecord };

interface NodeState {
  start: Deferred<NodeStart>;
  end: Deferred<NodeApplyRecord>;
  steps: Map<StepId, Deferred<StepRecord>>;
  output: Map<StepId, (line: string) => void>;
  role?: 'canary' | 'rollout';
}

export interface ApplyView {
  onEvent: ApplyEventSink;
  /** Resolves when every node has ended (call it before the apply, await it after). */
  run(): Promise<void>;
}

export function createApplyView(plan: Plan, o: { renderer: ApplyRenderer; dryRun?: boolean }): ApplyView {
  const state = new Map<string, NodeState>();
  const of = (node: string): NodeState => {
    let s = state.get(node);
    if (!s) {
      s = { start: new Deferred(), end: new Deferred(), steps: new Map(), output: new Map() };
      state.set(node, s);
    }
    return s;
  };
  const stepOf = (node: string, step: StepId): Deferred<StepRecord> => {
    const s = of(node);
    let d = s.steps.get(step);
    if (!d) {
      d = new Deferred();
      s.steps.set(step, d);
    }
    return d;
  };

  const onEvent = (e: ApplyEvent): void => {
    const s = of(e.node);
    switch (e.type) {
      case 'node-queued':
        s.role = e.role;
        break;
      case 'node-start':
        s.start.resolve({ kind: 'started' });
        break;
      case 'step-start':
        break;
      case 'step-output':
        s.output.get(e.step)?.(e.line);
        break;
      case 'step-end':
        stepOf(e.node, e.step.step).resolve(e.step);
        break;
      case 'node-end':
        s.start.resolve({ kind: 'ended', record: e.record });
        s.end.resolve(e.record);
        break;
    }
  };

  // Line renderers interleave concurrent nodes' lines: each line then says which node it is about.
  const tag = (node: NodePlan): string => (o.renderer === 'default' ? '' : `[${node.name}] `);

  const stepTask = (node: NodePlan, step: StepId, title: string): ListrTask => ({
    title: `${tag(node)}${title}`,
    task: async (_ctx, task) => {
      of(node.name).output.set(step, (line) => {
        task.output = line;
      });
      const rec = await stepOf(node.name, step).promise;
      task.title = `${tag(node)}${rec.message ? `${rec.title}: ${rec.message}` : rec.title}`;
      if (rec.details?.length && o.renderer !== 'default') task.output = rec.details.join('\n');
      if (rec.outcome === 'skipped') task.skip(`${rec.title}: ${rec.message}`);
      if (rec.outcome === 'failed') throw new Error(`${node.name}: ${rec.title}: ${rec.message}`);
    },
    // A failed step is shown as failed, and the steps after it (the rollback) still show.
    exitOnError: false,
    rendererOptions: { persistentOutput: o.dryRun === true },
  });

  const nodeTask = (node: NodePlan): ListrTask => ({
    title: node.name,
    task: async (_ctx, task) => {
      const first = await of(node.name).start.promise;
      if (first.kind === 'ended') {
        const r = first.record;
        task.title = `${node.name}: ${outcomeText(r.outcome)}`;
        if (countsAsFailure(r.outcome) || r.outcome === 'not-applied') throw new Error(`${node.name}: ${r.reason ?? r.outcome}`);
        task.skip(`${node.name}: ${outcomeText(r.outcome)}${r.reason ? ` (${r.reason})` : ''}`);
        return undefined;
      }
      if (of(node.name).role === 'canary') task.title = `${node.name} (canary)`;
      const titles = stepTitles(node);
      return task.newListr(
        [
          ...STEP_ORDER.map((step) => stepTask(node, step, titles[step])),
          {
            title: `${tag(node)}Outcome`,
            task: async (_c, t) => {
              const r = await of(node.name).end.promise;
              const text = outcomeText(r.outcome);
              t.title = `${tag(node)}Outcome: ${text}${r.reason ? ` (${r.reason})` : ''}`;
              task.title = `${node.name}: ${text}`;
              if (r.outcome !== 'applied' && r.outcome !== 'would-apply') throw new Error(`${node.name}: ${text}: ${r.reason ?? ''}`);
            },
          },
        ],
        // The outcome task's error fails the node's own line (✖), not just its last subtask.
        { concurrent: false, exitOnError: true },
      );
    },
  });

  return {
    onEvent,
    run: async () => {
      const list = new Listr(plan.nodes.map(nodeTask), {
        concurrent: true,
        exitOnError: false,
        renderer: o.renderer,
        fallbackRenderer: 'simple',
        rendererOptions: { collapseSubtasks: false, collapseErrors: false, showErrorMessage: true },
      } as ConstructorParameters<typeof Listr>[1]);
      await list.run();
    },
  };
}
