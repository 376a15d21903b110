/**
 * Fixture runner: test/fixtures/facts/service-command/<case>/ holds the node's files under root/
 * and case.json with the units (systemd order) and the expected argv with origins. For the
 * reference layouts, `cmdline` is /proc/PID/cmdline as captured on a real systemd 252 node.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveServiceCommand } from '../../../src/kubelet/service-command.js';
import { caseDirs, originText, readJson } from './fixture-helpers.js';

interface Case {
  description: string;
  systemdVersion?: number;
  units: string[];
  cmdline?: string[];
  argv: [string, string][];
  environmentFiles?: unknown[];
  environment?: Record<string, [string, string, string[]?]>;
  errors: string[];
  warnings: string[];
}

describe('resolveServiceCommand (fixtures)', () => {
  for (const dir of caseDirs('service-command')) {
    const c = readJson<Case>(join(dir, 'case.json'));
    it(`${basename(dir)}: ${c.description}`, () => {
      const root = join(dir, 'root');
      const units = c.units.map((path) => ({ path, content: readFileSync(join(root, path), 'utf8') }));
      const s = resolveServiceCommand(
        units,
        (path) => (existsSync(join(root, path)) ? { exists: true, content: readFileSync(join(root, path), 'utf8') } : { exists: false }),
        c.systemdVersion === undefined ? {} : { systemdVersion: c.systemdVersion },
      );
      if (c.cmdline) expect(s.argv.map((a) => a.value)).toEqual(c.cmdline);
      expect(s.argv.map((a) => [a.value, originText(a.origin)])).toEqual(c.argv);
      expect(s.errors).toEqual(c.errors);
      expect(s.warnings).toEqual(c.warnings);
      if (c.environmentFiles) expect(s.environmentFiles).toEqual(c.environmentFiles);
      for (const [name, [value, origin, overridden]] of Object.entries(c.environment ?? {})) {
        const v = s.environment.get(name);
        expect(v, `environment ${name}`).toBeDefined();
        expect([v?.value, originText(v!.origin)]).toEqual([value, origin]);
        if (overridden) expect(v?.overrides.map((o) => `${o.value} @ ${originText(o.origin)}`)).toEqual(overridden);
      }
    });
  }
});
