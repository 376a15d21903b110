import { describe, expect, it } from 'vitest';
import { validateKubeletConfig } from '../../../src/kubelet/config-validate.js';
import { loadCases } from './fixture-cases.js';

interface Expected {
  line: number;
  contains: string;
}

interface ValidateSpec {
  about: string;
  file: string;
  format: 'json' | 'yaml';
  errors: Expected[];
  warnings: Expected[];
}

/** Each message must start with "file:line" and say what the spec says, in order. */
function expectMessages(messages: string[], expected: Expected[], file: string): void {
  expect(messages).toHaveLength(expected.length);
  expected.forEach((e, i) => {
    const m = messages[i] ?? '';
    expect(m.startsWith(`${file}:${e.line}:`), `"${m}" should start with ${file}:${e.line}:`).toBe(true);
    expect(m).toContain(e.contains);
  });
}

describe('validateKubeletConfig (test/fixtures/edit/validate)', () => {
  for (const c of loadCases<ValidateSpec>('validate')) {
    const { spec } = c;
    it(`${c.name}: ${spec.about}`, () => {
      const result = validateKubeletConfig(spec.file, c.input);
      expect(result.format).toBe(spec.format);
      expectMessages(result.errors, spec.errors, spec.file);
      expectMessages(result.warnings, spec.warnings, spec.file);
    });
  }

  it('accepts YAML 1.1 booleans the way the kubelet (go-yaml v2) reads them', () => {
    const yaml = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  webhook:\n    enabled: on\n';
    expect(validateKubeletConfig('k.yaml', yaml).errors).toEqual([]);
  });

  it('accepts null for any field (the kubelet keeps the default)', () => {
    const yaml = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthorization:\nreadOnlyPort: null\n';
    expect(validateKubeletConfig('k.yaml', yaml)).toEqual({ format: 'yaml', errors: [], warnings: [] });
  });
});
