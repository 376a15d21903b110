import { describe, expect, it } from 'vitest';
import { validateKubeletConfig } from '../../../src/kubelet/config-validate.js';
import { setConfigValues, type ConfigSet } from '../../../src/plan/edit/config-edit.js';
import { applyLineEdits, lineEdits } from '../../../src/plan/edit/line-edits.js';
import { changedLines, loadCases } from './fixture-cases.js';

interface ConfigSpec {
  about: string;
  file: string;
  format: 'json' | 'yaml';
  sets: ConfigSet[];
  diff?: { removed: string[]; added: string[] };
  error?: string;
}

describe('setConfigValues (test/fixtures/edit/config)', () => {
  for (const c of loadCases<ConfigSpec>('config')) {
    const { spec } = c;
    it(`${c.name}: ${spec.about}`, () => {
      const run = (content: string): string => setConfigValues(content, spec.format, spec.sets, spec.file);
      if (spec.error !== undefined) {
        expect(() => run(c.input)).toThrow(spec.error);
        return;
      }
      const out = run(c.input);
      expect(out).toBe(c.expected);
      expect(changedLines(c.input, out)).toEqual(spec.diff);
      expect(applyLineEdits(c.input, lineEdits(c.input, out))).toBe(out);
      // The edited file is one the kubelet accepts, still in its format, and a second run changes nothing.
      const validation = validateKubeletConfig(spec.file, out);
      expect(validation.errors).toEqual([]);
      expect(validation.format).toBe(spec.format);
      expect(run(out)).toBe(out);
    });
  }

  it('rejects an empty path', () => {
    expect(() => setConfigValues('a: 1\n', 'yaml', [{ path: [], value: 1 }], 'f.yaml')).toThrow('f.yaml: invalid field path');
  });

  it('quotes a YAML string that would otherwise read back as another type', () => {
    const out = setConfigValues('kind: KubeletConfiguration\nx:\n  y: 1\n', 'yaml', [
      { path: ['x', 'yy'], value: 'on' },
      { path: ['x', 'z'], value: '0755' },
      { path: ['x', 'w'], value: 'a b # c' },
    ], 'f.yaml');
    expect(out).toBe('kind: KubeletConfiguration\nx:\n  y: 1\n  yy: "on"\n  z: "0755"\n  w: "a b # c"\n');
  });

  it('refuses to edit through an alias, naming the line', () => {
    const yaml = 'base: &b\n  mode: AlwaysAllow\nauthorization: *b\n';
    expect(() => setConfigValues(yaml, 'yaml', [{ path: ['authorization', 'mode'], value: 'Webhook' }], 'f.yaml')).toThrow(
      'f.yaml:3: cannot set authorization.mode: authorization is an alias (*b), not a mapping',
    );
  });

  it('edits the last of duplicate keys, the one the kubelet uses', () => {
    const yaml = 'authorization:\n  mode: Webhook\nauthorization:\n  mode: AlwaysAllow\n';
    expect(setConfigValues(yaml, 'yaml', [{ path: ['authorization', 'mode'], value: 'Webhook' }], 'f.yaml')).toBe(
      'authorization:\n  mode: Webhook\nauthorization:\n  mode: Webhook\n',
    );
  });

  it('turns a null section into a mapping in place', () => {
    expect(setConfigValues('{\n  "authorization": null\n}\n', 'json', [{ path: ['authorization', 'mode'], value: 'Webhook' }], 'f.json')).toBe(
      '{\n  "authorization": {"mode": "Webhook"}\n}\n',
    );
    expect(setConfigValues('authorization:\nkind: K\n', 'yaml', [{ path: ['authorization', 'mode'], value: 'Webhook' }], 'f.yaml')).toBe(
      'authorization: {mode: Webhook}\nkind: K\n',
    );
  });
});
