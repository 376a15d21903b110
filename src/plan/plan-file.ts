import { readFile, writeFile, rename } from 'node:fs/promises';
import { z } from 'zod';
import { PLAN_FORMAT_VERSION, type Plan } from './types.js';

const scalar = z.union([z.string(), z.boolean(), z.number()]);
const origin = z.union([
  z.object({ kind: z.literal('exec-start'), file: z.string(), line: z.number() }),
  z.object({ kind: z.literal('environment'), variable: z.string(), file: z.string(), line: z.number() }),
  z.object({ kind: z.literal('environment-file'), variable: z.string(), file: z.string(), line: z.number() }),
  z.object({ kind: z.literal('process') }),
]);
const source = z.union([
  z.object({ kind: z.literal('flag'), flag: z.string(), text: z.string(), origin }),
  z.object({ kind: z.literal('config-dir'), file: z.string(), line: z.number().optional() }),
  z.object({ kind: z.literal('config-file'), file: z.string(), line: z.number().optional() }),
  z.object({ kind: z.literal('default'), withConfig: z.boolean() }),
]);
const sha = z.string().regex(/^[0-9a-f]{64}$/);

const planSchema = z.object({
  formatVersion: z.literal(PLAN_FORMAT_VERSION),
  tool: z.object({ name: z.literal('kubelet-fix'), version: z.string() }),
  createdAt: z.string(),
  controls: z.array(z.object({ id: z.string(), title: z.string(), benchmarks: z.array(z.object({ benchmark: z.string(), id: z.string() })) })),
  nodes: z.array(
    z.object({
      name: z.string(),
      status: z.enum(['compliant', 'changes', 'error']),
      error: z.string().optional(),
      identity: z
        .object({ name: z.string(), address: z.string(), port: z.number(), user: z.string(), hostKeyFingerprint: z.string(), hostKeyAlgorithm: z.string() })
        .optional(),
      kubelet: z
        .object({
          pid: z.number(),
          unit: z.string(),
          fragmentPath: z.string(),
          dropInPaths: z.array(z.string()),
          configPath: z.string().optional(),
          argvSha256: sha,
        })
        .optional(),
      findings: z.array(
        z.object({
          control: z.string(),
          setting: z.string(),
          flag: z.string(),
          value: scalar.nullable(),
          runningValue: scalar.nullable().optional(),
          source: z.string(),
          sourceDetail: source,
          compliant: z.boolean(),
          requirement: z.string(),
          fix: scalar,
        }),
      ),
      changes: z.array(
        z.object({
          path: z.string().startsWith('/'),
          format: z.enum(['json', 'yaml', 'env', 'unit']),
          reason: z.string(),
          sha256Before: sha,
          sha256After: sha,
          contentAfter: z.string().optional(),
          edits: z.array(z.object({ line: z.number().int().positive(), remove: z.array(z.string()), insert: z.array(z.string()) })),
          mode: z.string().regex(/^0?[0-7]{3,4}$/),
          owner: z.string(),
          group: z.string(),
          diff: z.string(),
          needsDaemonReload: z.boolean(),
        }),
      ),
      restartReasons: z.array(z.string()),
      needsDaemonReload: z.boolean(),
      needsRestart: z.boolean(),
      notes: z.array(z.string()),
    }),
  ),
  summary: z.object({ nodes: z.number(), toChange: z.number(), compliant: z.number(), errors: z.number() }),
});

export class PlanFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanFileError';
  }
}

/** Reads and validates a saved plan; refuses other format versions rather than guessing. */
export async function readPlanFile(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new PlanFileError(`cannot read plan file ${path}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new PlanFileError(`plan file ${path} is not JSON: ${(err as Error).message}`);
  }
  const version = (data as { formatVersion?: unknown } | null)?.formatVersion;
  if (version !== PLAN_FORMAT_VERSION) {
    throw new PlanFileError(`plan file ${path} has formatVersion ${JSON.stringify(version)}; this kubelet-fix reads formatVersion ${PLAN_FORMAT_VERSION}`);
  }
  const result = planSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new PlanFileError(`plan file ${path} is not a valid plan at ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
  }
  return result.data as Plan;
}

/** Writes via a temp file and rename, so a reviewer never sees half a plan. */
export async function writePlanFile(path: string, plan: Plan): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(plan, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}
