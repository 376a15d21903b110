/** Fixture runner: test/fixtures/facts/kubelet-flags/<case>/case.json. */
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastFlag, parseKubeletFlags } from '../../../src/kubelet/flags.js';
import type { Arg, ArgOrigin } from '../../../src/kubelet/types.js';
import { caseDirs, originText, readJson } from './fixture-helpers.js';

interface Case {
  description: string;
  /** A plain string is written in ExecStart= at kubelet.service:5. */
  args: (string | [string, string])[];
  flags: [string, string, string, number, boolean][];
  valueOrigins?: string[];
  last: Record<string, string | null>;
  errors: string[];
  warnings: string[];
}

function origin(text: string): ArgOrigin {
  const m = /^(exec-start|environment|environment-file)(?: (\w+))? (.+):(\d+)$/.exec(text);
  if (!m) throw new Error(`bad origin in fixture: ${text}`);
  const [, kind, variable, file, line] = m as unknown as [string, string, string | undefined, string, string];
  if (kind === 'exec-start') return { kind, file, line: Number(line) };
  return { kind: kind as 'environment' | 'environment-file', variable: variable ?? '', file, line: Number(line) };
}

describe('parseKubeletFlags (fixtures)', () => {
  for (const dir of caseDirs('kubelet-flags')) {
    const c = readJson<Case>(join(dir, 'case.json'));
    it(`${basename(dir)}: ${c.description}`, () => {
      const args: Arg[] = c.args.map((a) =>
        typeof a === 'string'
          ? { value: a, origin: origin('exec-start /etc/systemd/system/kubelet.service:5') }
          : { value: a[0], origin: origin(a[1]) },
      );
      const r = parseKubeletFlags(args);
      expect(r.flags.map((f) => [f.name, f.value, f.text, f.index, f.separateValue])).toEqual(c.flags);
      for (const f of r.flags) expect(f.origin).toEqual(args[f.index]!.origin);
      if (c.valueOrigins) expect(r.flags.map((f) => (f.valueOrigin ? originText(f.valueOrigin) : '-'))).toEqual(c.valueOrigins);
      expect(r.errors).toEqual(c.errors);
      expect(r.warnings).toEqual(c.warnings);
      for (const [name, value] of Object.entries(c.last)) expect(lastFlag(r.flags, name)?.value ?? null, name).toBe(value);
    });
  }
});
