/** Fixture runner: test/fixtures/facts/kubelet-config/<case>/{<file>,case.json}. */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigFileError, getPath, parseKubeletConfig } from '../../../src/kubelet/config-file.js';
import { caseDirs, readJson } from './fixture-helpers.js';

interface Case {
  description: string;
  file: string;
  path: string;
  format?: 'json' | 'yaml';
  /** dotted path → expected value (null = absent) */
  values?: Record<string, unknown>;
  /** dotted path → line (null = not found) */
  lines?: Record<string, number | null>;
  warnings?: string[];
  error?: string;
}

describe('parseKubeletConfig (fixtures)', () => {
  for (const dir of caseDirs('kubelet-config')) {
    const c = readJson<Case>(join(dir, 'case.json'));
    it(`${basename(dir)}: ${c.description}`, () => {
      const content = readFileSync(join(dir, c.file), 'utf8');
      if (c.error !== undefined) {
        expect(() => parseKubeletConfig(c.path, content)).toThrow(ConfigFileError);
        expect(() => parseKubeletConfig(c.path, content)).toThrow(c.error);
        return;
      }
      const parsed = parseKubeletConfig(c.path, content);
      expect(parsed.format).toBe(c.format);
      for (const [path, value] of Object.entries(c.values ?? {})) {
        expect(getPath(parsed.data, path.split('.')) ?? null, path).toEqual(value);
      }
      for (const [path, line] of Object.entries(c.lines ?? {})) {
        expect(parsed.lineOf(path.split('.')) ?? null, `line of ${path}`).toBe(line);
      }
      expect(parsed.warnings).toEqual(c.warnings ?? []);
    });
  }
});
