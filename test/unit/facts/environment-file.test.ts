/** Fixture runner: test/fixtures/facts/environment-file/<case>/{env,case.json}. */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnvironmentDirective, parseEnvironmentFile } from '../../../src/facts/environment-file.js';
import { caseDirs, readJson } from './fixture-helpers.js';

interface Case {
  description: string;
  file: string;
  path: string;
  systemdVersion?: number;
  assignments: [string, string, number, number][];
  warnings: string[];
}

describe('parseEnvironmentFile (fixtures)', () => {
  for (const dir of caseDirs('environment-file')) {
    const c = readJson<Case>(join(dir, 'case.json'));
    it(`${basename(dir)}: ${c.description}`, () => {
      const content = readFileSync(join(dir, c.file), 'utf8');
      const r = parseEnvironmentFile(c.path, content, c.systemdVersion === undefined ? {} : { systemdVersion: c.systemdVersion });
      expect(r.assignments.map((a) => [a.variable, a.value, a.line, a.endLine])).toEqual(c.assignments);
      expect(r.assignments.every((a) => a.file === c.path)).toBe(true);
      expect(r.warnings).toEqual(c.warnings);
    });
  }
});

describe('parseEnvironmentDirective', () => {
  const file = '/etc/systemd/system/kubelet.service.d/10-x.conf';
  const parse = (raw: string) => parseEnvironmentDirective(file, 3, raw);

  it('reads several quoted assignments on one line, quotes opening mid-word', () => {
    const r = parse(`"A=1 2" 'B=x' C="y z" KUBELET_CONTAINERD_FLAGS="--a --b"`);
    expect(r.reset).toBe(false);
    expect(r.assignments.map((a) => [a.variable, a.value, a.line])).toEqual([
      ['A', '1 2', 3], ['B', 'x', 3], ['C', 'y z', 3], ['KUBELET_CONTAINERD_FLAGS', '--a --b', 3],
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('treats an empty value as a reset of the list', () => {
    expect(parse('')).toEqual({ reset: true, assignments: [], warnings: [] });
  });

  it('decodes C escapes and keeps an empty value', () => {
    const r = parse(String.raw`"A=tab\there" B=`);
    expect(r.assignments.map((a) => [a.variable, a.value])).toEqual([['A', 'tab\there'], ['B', '']]);
  });

  it('ignores words that are not NAME=VALUE, naming file and line', () => {
    const r = parse('GOOD=1 --not-an-assignment 9BAD=2');
    expect(r.assignments.map((a) => a.variable)).toEqual(['GOOD']);
    expect(r.warnings).toEqual([
      `${file}:3: invalid environment assignment, ignoring: --not-an-assignment`,
      `${file}:3: invalid environment assignment, ignoring: 9BAD=2`,
    ]);
  });

  it('keeps the words before unbalanced quoting and reports the rest as ignored', () => {
    const r = parse(`A=1 "B=2`);
    expect(r.assignments.map((a) => a.variable)).toEqual(['A']);
    expect(r.warnings).toEqual([`${file}:3: invalid syntax in Environment=, ignoring the rest of the line (unbalanced quoting (no closing ")): A=1 "B=2`]);
  });

  it('expands %% and the unit name specifiers', () => {
    const r = parse('UNIT=%n PCT=100%%');
    expect(r.assignments.map((a) => [a.variable, a.value])).toEqual([['UNIT', 'kubelet.service'], ['PCT', '100%']]);
  });
});
