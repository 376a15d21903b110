/**
 * Loads the data-driven cases under test/fixtures/edit/<kind>/<case>/: input.*, spec.json and,
 * for cases that succeed, expected.* (read as bytes-exact strings: CRLF and a missing final
 * newline are part of the fixtures).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { structuredPatch } from 'diff';

const ROOT = join(import.meta.dirname, '../../fixtures/edit');

export interface FixtureCase<Spec> {
  name: string;
  spec: Spec;
  input: string;
  expected?: string;
}

export function loadCases<Spec>(kind: 'config' | 'flag' | 'validate'): FixtureCase<Spec>[] {
  const dir = join(ROOT, kind);
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const caseDir = join(dir, d.name);
      const files = readdirSync(caseDir);
      const read = (prefix: string): string | undefined => {
        const f = files.find((x) => x.startsWith(`${prefix}.`));
        return f === undefined ? undefined : readFileSync(join(caseDir, f), 'utf8');
      };
      const input = read('input');
      if (input === undefined) throw new Error(`${caseDir}: no input.* file`);
      const expected = read('expected');
      return {
        name: d.name,
        spec: JSON.parse(readFileSync(join(caseDir, 'spec.json'), 'utf8')) as Spec,
        input,
        ...(expected === undefined ? {} : { expected }),
      };
    });
}

/** The lines a unified diff (no context) of before → after removes and adds, as a reviewer sees them. */
export function changedLines(before: string, after: string): { removed: string[]; added: string[] } {
  const removed: string[] = [];
  const added: string[] = [];
  for (const hunk of structuredPatch('a', 'b', before, after, '', '', { context: 0 }).hunks) {
    for (const line of hunk.lines) {
      if (line.startsWith('-')) removed.push(line.slice(1));
      else if (line.startsWith('+')) added.push(line.slice(1));
    }
  }
  return { removed, added };
}

/** Every before/after pair the fixtures hold (inputs with their expected outputs). */
export function allFixturePairs(): { name: string; before: string; after: string }[] {
  return (['config', 'flag'] as const).flatMap((kind) =>
    loadCases<unknown>(kind)
      .filter((c) => c.expected !== undefined)
      .map((c) => ({ name: `${kind}/${c.name}`, before: c.input, after: c.expected as string })),
  );
}
