/**
 * Fixture runner for the probe's output: test/fixtures/facts/probe/<case>/case.json lists the
 * records the probe script prints (payloads as text, a cmdline as its argv) and the facts expected.
 */
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProbeOutput, parseRecords, processStartTime } from '../../../src/facts/gather-output.js';
import { loadedEnvironment, parseSystemctlShow, unitFactsFromShow } from '../../../src/facts/systemctl-show.js';
import { NodeError } from '../../../src/transport/errors.js';
import { caseDirs, FIXTURES, readJson } from './fixture-helpers.js';

type Payload = string | { argv: string[] };
interface Case {
  description: string;
  records: [string, string, Payload][];
  expect: {
    error?: string;
    systemdVersion?: number;
    now?: number;
    unit?: unknown;
    process?: unknown;
    files?: Record<string, unknown>[];
  };
}

const b64 = (b: Buffer | string): string => Buffer.from(b).toString('base64');

/** The framing the remote scripts print: KIND \t base64(path) \t base64(payload). */
function encode(records: Case['records']): string {
  return records
    .map(([kind, path, payload]) => {
      const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(`${payload.argv.join('\0')}\0`, 'utf8');
      return `${kind}\t${b64(path)}\t${b64(bytes)}\n`;
    })
    .join('');
}

describe('parseProbeOutput (fixtures)', () => {
  for (const dir of caseDirs('probe')) {
    const c = readJson<Case>(join(dir, 'case.json'));
    it(`${basename(dir)}: ${c.description}`, () => {
      const probe = parseProbeOutput(encode(c.records));
      if (c.expect.error !== undefined) {
        expect(() => unitFactsFromShow('node1', probe.show)).toThrow(NodeError);
        expect(() => unitFactsFromShow('node1', probe.show)).toThrow(c.expect.error);
        return;
      }
      expect(probe.systemdVersion).toBe(c.expect.systemdVersion);
      expect(probe.now).toBe(c.expect.now);
      expect(unitFactsFromShow('node1', probe.show)).toEqual(c.expect.unit);
      expect(probe.process).toEqual(c.expect.process);
      const contents = new Map(c.records.filter(([k]) => k === 'CONTENT').map(([, p, t]) => [p, t as string]));
      expect(probe.files.map((f) => ({ ...f, content: undefined, sha256: undefined }))).toEqual(
        c.expect.files?.map((f) => ({ ...f, content: undefined, sha256: undefined })),
      );
      for (const f of probe.files) {
        const text = contents.get(f.path);
        expect(f.content).toBe(text);
        expect(f.sha256).toBe(text === undefined ? undefined : createHash('sha256').update(text, 'utf8').digest('hex'));
      }
    });
  }
});

describe('remote output framing', () => {
  it('names the offending line when the output is not records', () => {
    const good = `SHOW_RC\t\t${b64('0')}\n`;
    expect(() => parseRecords(`${good}sudo: unable to resolve host node1\n`)).toThrow(
      'line 2 of the remote output: expected 3 tab-separated fields, got 1',
    );
    expect(() => parseRecords(`SHOW\t\t%%%\n`)).toThrow('line 1 of the remote output: field is not base64');
  });

  it('keeps bytes exact: tabs, newlines and non-ASCII in paths and payloads', () => {
    const path = '/etc/kubernetes/we\tird\nname-ü.conf';
    const [r] = parseRecords(`CONTENT\t${b64(path)}\t${b64('a\tb\r\n')}\n`);
    expect(r?.path).toBe(path);
    expect(r?.payload.toString('utf8')).toBe('a\tb\r\n');
  });
});

describe('parseSystemctlShow', () => {
  it('keeps repeated properties in order and ignores lines that are not properties', () => {
    const show = parseSystemctlShow(
      'EnvironmentFiles=/var/lib/kubelet/kubeadm-flags.env (ignore_errors=yes)\nWarning: something changed on disk.\nEnvironmentFiles=/etc/default/kubelet (ignore_errors=yes)\nMainPID=820\nEnvironment=A=1 "B=x y"\n',
    );
    expect(show).toEqual({
      EnvironmentFiles: ['/var/lib/kubelet/kubeadm-flags.env (ignore_errors=yes)', '/etc/default/kubelet (ignore_errors=yes)'],
      MainPID: ['820'],
      Environment: ['A=1 "B=x y"'],
    });
  });
});

describe('processStartTime', () => {
  it('reads starttime after the last ")" of the command name', () => {
    const stat = '77 (a) b) c) S 1 77 77 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 250 0 0';
    expect(processStartTime(stat, 1000, 100)).toBe(1002.5);
  });
});

describe('loadedEnvironment', () => {
  it('reads the Environment= systemd has loaded, as `systemctl show` quotes it (reference, EKS after daemon-reload)', () => {
    // Verbatim from shared/reference/real-systemd-outputs.md ("after daemon-reload + restart").
    const shown =
      '"KUBELET_ARGS=--node-ip=10.0.2.15 --pod-infra-container-image=602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/pause:3.5 --v=2 --hostname-override=node1 --cloud-provider=external --config /etc/kubernetes/kubelet/kubelet-config.json --kubeconfig /var/lib/kubelet/kubeconfig --container-runtime-endpoint unix:///run/containerd/containerd.sock" KUBELET_EXTRA_ARGS=--read-only-port=10255';
    const env = loadedEnvironment(shown);
    expect([...env.keys()]).toEqual(['KUBELET_ARGS', 'KUBELET_EXTRA_ARGS']);
    expect(env.get('KUBELET_EXTRA_ARGS')).toBe('--read-only-port=10255');
    const eks = readJson<{ cmdline: string[] }>(join(FIXTURES, 'service-command/eks/case.json'));
    expect(env.get('KUBELET_ARGS')).toBe(eks.cmdline.slice(1).join(' '));
    expect(loadedEnvironment(undefined).size).toBe(0);
  });
});
