/**
 * facts → NodePlan, with no I/O, no clock and no environment: the same facts always give the
 * same plan, which is what lets fixtures test it and apply trust it.
 */
import { createHash } from 'node:crypto';
import { describeRequirement, satisfies } from '../controls/requirement.js';
import type { Control, ControlSetting } from '../controls/types.js';
import type { NodeFacts } from '../facts/types.js';
import { validateKubeletConfig } from '../kubelet/config-validate.js';
import { describeEffective, describeOrigin } from '../settings/describe.js';
import { resolveSetting, type ResolveInput } from '../settings/effective.js';
import type { EffectiveSetting } from '../settings/types.js';
import type { NodeIdentity } from '../transport/transport.js';
import { PlanError } from './errors.js';
import { fileChange, formatOf } from './file-change.js';
import { editsForSetting, type FileEdit } from './fixes.js';
import { buildNodeModel, indexFiles, type FileIndex, type KubeletSide, type NodeModel } from './node-model.js';
import { persistenceNotes } from './persistence.js';
import type { FileChange, Finding, NodePlan } from './types.js';

type Scalar = string | boolean | number;

function resolveInput(side: KubeletSide): ResolveInput {
  return { flags: side.flags, hasConfigFlag: side.hasConfigFlag, configDir: side.configDir, ...(side.config ? { config: side.config } : {}) };
}

function assertStartable(side: KubeletSide, what: string): void {
  const first = side.flagErrors[0];
  if (first) throw new PlanError(`${what}: the kubelet would refuse its command line: ${first}`);
}

interface Resolved {
  control: Control;
  setting: ControlSetting;
  after: EffectiveSetting;
  now?: EffectiveSetting;
}

function resolveAll(controls: Control[], model: NodeModel): Resolved[] {
  return controls.flatMap((control) =>
    control.settings.map((setting) => ({
      control,
      setting,
      after: resolveSetting(setting, resolveInput(model.predicted)),
      ...(model.running ? { now: resolveSetting(setting, resolveInput(model.running)) } : {}),
    })),
  );
}

function finding(r: Resolved): Finding {
  const value = r.after.value ?? null;
  const f: Finding = {
    control: r.control.id,
    setting: r.setting.setting,
    flag: r.setting.flag,
    value,
    source: describeEffective(r.setting.setting, r.after.source, r.after.overridden),
    sourceDetail: r.after.source,
    compliant: satisfies(r.setting.require, r.after.value),
    requirement: describeRequirement(r.setting.require),
    fix: r.setting.fix,
  };
  if (r.now && r.now.value !== r.after.value) f.runningValue = r.now.value ?? null;
  return f;
}

function applyEdits(files: FileIndex, edits: FileEdit[]): Map<string, { after: string; reasons: string[] }> {
  const out = new Map<string, { after: string; reasons: string[] }>();
  for (const e of edits) {
    const current = out.get(e.path)?.after ?? files.get(e.path)?.content;
    if (current === undefined) throw new PlanError(`cannot edit ${e.path}: it was not read from the node`);
    let after: string;
    try {
      after = e.apply(current);
    } catch (err) {
      throw new PlanError(`cannot edit ${e.path}: ${(err as Error).message}`);
    }
    const entry = out.get(e.path) ?? { after, reasons: [] };
    entry.after = after;
    entry.reasons.push(e.reason);
    out.set(e.path, entry);
  }
  return out;
}

function withEdits(files: FileIndex, edited: Map<string, { after: string }>): FileIndex {
  const next = new Map(files);
  for (const [path, { after }] of edited) {
    const f = files.get(path)!;
    next.set(path, { ...f, content: after });
  }
  return next;
}

export interface AssembleOptions {
  identity?: NodeIdentity;
}

function argvHash(argv: string[]): string {
  return createHash('sha256').update(argv.join('\0')).digest('hex');
}

/** A node plan with nothing in it yet; an error plan is this plus its message. */
export function emptyNodePlan(name: string, identity?: NodeIdentity): NodePlan {
  return {
    name,
    status: 'error',
    findings: [],
    changes: [],
    restartReasons: [],
    needsDaemonReload: false,
    needsRestart: false,
    notes: [],
    ...(identity ? { identity } : {}),
  };
}

export function assembleNodePlan(facts: NodeFacts, controls: Control[], options: AssembleOptions = {}): NodePlan {
  const base = emptyNodePlan(facts.node, options.identity);
  try {
    return planOrThrow(facts, controls, base);
  } catch (err) {
    if (err instanceof PlanError) return { ...base, status: 'error', error: err.message };
    throw err;
  }
}

function planOrThrow(facts: NodeFacts, controls: Control[], plan: NodePlan): NodePlan {
  const files = indexFiles(facts);
  const model = buildNodeModel(facts, files);
  assertStartable(model.predicted, 'after a restart');

  plan.kubelet = {
    pid: facts.process?.pid ?? 0,
    unit: facts.unit.name,
    fragmentPath: facts.unit.fragmentPath,
    dropInPaths: facts.unit.dropInPaths,
    ...(model.predicted.configPath ? { configPath: model.predicted.configPath } : {}),
    argvSha256: argvHash(facts.process?.argv ?? []),
  };

  const resolved = resolveAll(controls, model);
  plan.findings = resolved.map(finding);

  if (!facts.process) {
    throw new PlanError(
      `the kubelet is not running (${facts.unit.name}: ActiveState=${facts.unit.activeState}, SubState=${facts.unit.subState}); ` +
        'fix or start it first: kubelet-fix only changes a kubelet it can see running, so that it can verify and roll back',
    );
  }

  driftNotes(facts, model, plan);

  const edits = resolved.flatMap((r) => editsForSetting(r.setting, r.after, model.predicted));
  const edited = applyEdits(files, edits);
  for (const [path, e] of [...edited]) if (e.after === files.get(path)?.content) edited.delete(path);

  const configFormats = new Map<string, 'json' | 'yaml'>();
  for (const c of [model.predicted.config, ...model.predicted.configDir]) if (c) configFormats.set(c.file, c.format);

  const changes: FileChange[] = [];
  for (const [path, e] of edited) {
    const format = formatOf(path, model.unitPaths, configFormats);
    if (format === 'json' || format === 'yaml') {
      const { errors } = validateKubeletConfig(path, e.after);
      if (errors.length) throw new PlanError(`the planned edit of ${path} would not be a valid kubelet config: ${errors.join('; ')}`);
    }
    changes.push(fileChange(files.get(path)!, e.after, format, e.reasons.join('; ')));
  }

  if (changes.length) verifyOutcome(facts, withEdits(files, edited), controls);

  plan.changes = changes;
  for (const r of resolved) {
    const nowOk = r.now ? satisfies(r.setting.require, r.now.value) : true;
    const afterOk = satisfies(r.setting.require, r.after.value);
    if (!nowOk && afterOk) {
      plan.restartReasons.push(
        `${r.setting.setting} is ${String(r.now?.value)} in the running kubelet but ${String(r.after.value)} in its files: a restart applies it`,
      );
    }
  }
  plan.needsRestart = changes.length > 0 || plan.restartReasons.length > 0;
  plan.needsDaemonReload = changes.some((c) => c.needsDaemonReload) || (plan.needsRestart && facts.unit.needDaemonReload);
  plan.notes.push(...persistenceNotes(changes.map((c) => c.path)));
  plan.status = plan.needsRestart ? 'changes' : 'compliant';
  return plan;
}

/** Re-reads the node as the edited files describe it: the plan must fix what it says it fixes. */
function verifyOutcome(facts: NodeFacts, files: FileIndex, controls: Control[]): void {
  const model = buildNodeModel(facts, files);
  assertStartable(model.predicted, 'after the planned edits');
  for (const control of controls) {
    for (const setting of control.settings) {
      const after = resolveSetting(setting, resolveInput(model.predicted));
      if (!satisfies(setting.require, after.value)) {
        throw new PlanError(
          `internal: after the planned edits ${setting.setting} would still be ${String(after.value)} (${describeRequirement(setting.require)}), from ${describeEffective(setting.setting, after.source, after.overridden)}`,
        );
      }
    }
  }
}

function driftNotes(facts: NodeFacts, model: NodeModel, plan: NodePlan): void {
  if (model.argvDiffers) {
    plan.notes.push(
      'The running kubelet was started with a different command line than its unit and environment files give now ' +
        '(a daemon-reload is pending or an environment file changed since it started). Findings show what a restart will run; "running" values show what runs now.',
    );
  }
  if (facts.unit.needDaemonReload) {
    plan.notes.push(`systemd reports NeedDaemonReload=yes for ${facts.unit.name}: its unit files changed on disk since the last daemon-reload.`);
  }
  const started = facts.process?.startedAt;
  if (started !== undefined) {
    for (const path of [model.predicted.configPath, ...model.predicted.configDir.map((c) => c.file)]) {
      const f = path ? facts.files.find((x) => x.path === path) : undefined;
      if (f?.mtime !== undefined && f.mtime > started) {
        plan.notes.push(`${f.path} was modified after the kubelet started: the running kubelet may still use the older values.`);
      }
    }
  }
  if (model.predicted.configFlag && model.running?.configPath && model.running.configPath !== model.predicted.configPath) {
    plan.notes.push(
      `The running kubelet uses --config ${model.running.configPath}, but after a restart it would use ${model.predicted.configPath} (${describeOrigin(model.predicted.configFlag.origin)}).`,
    );
  }
}
