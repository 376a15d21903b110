/** The README's usage block and `fix --help` must describe the same commands and options. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const usage = readme.slice(readme.indexOf('## Usage'), readme.indexOf('## How a node is read'));
const program = buildProgram();
const help = (name: string) => program.commands.find((c) => c.name() === name)!.helpInformation();

describe('README usage matches fix --help', () => {
  for (const line of usage.split('\n').filter((l) => /^fix (plan|apply|show) /.test(l))) {
    const command = line.split(' ')[1]!;
    it(`fix ${command}: every option the README lists exists`, () => {
      for (const option of line.match(/--[a-z-]+/g) ?? []) expect(help(command), `${command} ${option}`).toContain(option);
    });
  }

  it('every target option in the README table exists on plan and apply', () => {
    const table = usage.slice(usage.indexOf('Targets'));
    for (const option of [...table.matchAll(/^\| `(--[a-z-]+)/gm)].map((m) => m[1]!)) {
      expect(help('plan')).toContain(option);
      expect(help('apply')).toContain(option);
    }
  });

  it('every option of plan, apply and show is in the README', () => {
    for (const name of ['plan', 'apply', 'show']) {
      for (const o of program.commands.find((c) => c.name() === name)!.options) {
        expect(usage, `${name} ${o.long}`).toContain(o.long!);
      }
    }
  });
});
