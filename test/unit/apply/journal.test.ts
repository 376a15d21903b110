import { describe, expect, it } from 'vitest';
import { kubeletErrorLines, maskLines } from '../../../src/apply/journal.js';

// Verbatim `journalctl -u kubelet -o cat` from a real systemd 252 node (shared reference).
const brokenConfig = [
  'Started kubelet.service - Kubernetes Kubelet.',
  "Flag --container-runtime-endpoint has been deprecated, This parameter should be set via the config file specified by the Kubelet's --config flag.",
  'E1204 15:44:53.971388    1389 run.go:74] "command failed" err="failed to load kubelet config file, path: /etc/kubernetes/kubelet/kubelet-config.json, error: yaml: line 26: expected the node content, but found \',\'"',
  'kubelet.service: Main process exited, code=exited, status=1/FAILURE',
  "kubelet.service: Failed with result 'exit-code'.",
];

describe('kubeletErrorLines', () => {
  it("picks the kubelet's own fatal line", () => {
    expect(kubeletErrorLines(brokenConfig, 'fatal')).toEqual([brokenConfig[2]]);
    expect(kubeletErrorLines(brokenConfig, 'error')).toEqual([brokenConfig[2]]);
  });

  it('recognises the unknown-flag failure', () => {
    expect(kubeletErrorLines(['Error: unknown flag: --no-such-flag'], 'fatal')).toEqual(['Error: unknown flag: --no-such-flag']);
  });

  it("falls back to systemd's account of the exit", () => {
    expect(kubeletErrorLines([brokenConfig[0]!, brokenConfig[3]!], 'error')).toEqual([brokenConfig[3]]);
    expect(kubeletErrorLines([brokenConfig[0]!, brokenConfig[3]!], 'fatal')).toEqual([]);
  });

  it('finds nothing fatal in a healthy start', () => {
    expect(kubeletErrorLines(['I1204 15:41:36.734095     433 kubelet.go:1583] "Started kubelet"'], 'fatal')).toEqual([]);
  });
});

describe('maskLines', () => {
  it('masks lines that look like credentials', () => {
    expect(maskLines(['FLAG: --token="abc"', 'FLAG: --v="2"'])).toEqual(['[masked: looks like a secret]', 'FLAG: --v="2"']);
  });
});
