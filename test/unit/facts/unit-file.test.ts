/** Fixture runner: test/fixtures/facts/unit-file/<case>/{kubelet.service,case.json}. */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, lineAt, parseUnitFile, parseUnitFileDetailed } from '../../../src/facts/unit-file.js';
import { caseDirs, readJson } from './fixture-helpers.js';

interface Case {
  description: string;
  file: string;
  path: string;
  systemdVersion?: number;
  directives: [string, string, string, number, number][];
  problems: string[];
  /** [key, text inside the value, line it is written on] */
  lines: [string, string, number][];
}

describe('parseUnitFile (fixtures)', () => {
  for (const dir of caseDirs('unit-file')) {
    const c = readJson<Case>(join(dir, 'case.json'));
    it(`${basename(dir)}: ${c.description}`, () => {
      const content = readFileSync(join(dir, c.file), 'utf8');
      const opts = c.systemdVersion === undefined ? {} : { systemdVersion: c.systemdVersion };
      const r = parseUnitFileDetailed(c.path, content, opts);
      expect(r.directives.map((d) => [d.section, d.key, d.value, d.line, d.endLine])).toEqual(c.directives);
      expect(r.directives.every((d) => d.file === c.path)).toBe(true);
      expect(r.problems.map(formatProblem)).toEqual(c.problems);
      expect(parseUnitFile(c.path, content, opts)).toEqual(r.directives);
      for (const [key, text, line] of c.lines) {
        const d = r.directives.find((x) => x.key === key);
        expect(d, key).toBeDefined();
        const offset = d!.value.indexOf(text);
        expect(offset, `${text} in ${key}=`).toBeGreaterThanOrEqual(0);
        expect(lineAt(d!, offset), `line of ${text}`).toBe(line);
      }
    });
  }
});
