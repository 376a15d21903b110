import { z } from 'zod';

const scalar = z.union([z.string(), z.boolean(), z.number()]);

const requirement = z.union([
  z.strictObject({ equals: scalar }),
  z.strictObject({ notIn: z.array(scalar).min(1) }),
  z.strictObject({ in: z.array(scalar).min(1) }),
]);

const setting = z.strictObject({
  setting: z.string().regex(/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/, 'a dotted KubeletConfiguration field path'),
  flag: z.string().regex(/^--[a-z0-9][a-z0-9-]*$/, 'a long flag such as --authorization-mode'),
  type: z.enum(['string', 'boolean', 'integer']),
  defaults: z.strictObject({ withConfig: scalar, withoutConfig: scalar }),
  require: requirement,
  fix: scalar,
  allowed: z.array(scalar).min(1).optional(),
});

/** Schema of one file in plans/. Strict: a misspelt key is an error, not a silently ignored rule. */
export const controlSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
  title: z.string().min(1),
  benchmarks: z.array(z.strictObject({ benchmark: z.string().min(1), id: z.string().min(1) })).min(1),
  rationale: z.string().optional(),
  settings: z.array(setting).min(1),
});
