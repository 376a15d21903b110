/**
 * The running argv attributed to the files. Data from the reference "Editing a drop-in and
 * restarting WITHOUT daemon-reload (EKS layout)": the drop-in on disk adds --read-only-port=10255,
 * the running kubelet (restarted without daemon-reload) does not have it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attributeRunningArgv } from '../../../src/kubelet/running-argv.js';
import { resolveServiceCommand } from '../../../src/kubelet/service-command.js';
import { FIXTURES, originText, readJson } from './fixture-helpers.js';

const eks = join(FIXTURES, 'service-command/eks');
const { units, cmdline } = readJson<{ units: string[]; cmdline: string[] }>(join(eks, 'case.json'));
const EXTRA = '/etc/systemd/system/kubelet.service.d/30-kubelet-extra-args.conf';

function predicted(extraArgsDropIn?: string) {
  return resolveServiceCommand(
    units.map((path) => ({
      path,
      content: path === EXTRA && extraArgsDropIn !== undefined ? extraArgsDropIn : readFileSync(join(eks, 'root', path), 'utf8'),
    })),
    () => ({ exists: false }),
  ).argv;
}

describe('attributeRunningArgv', () => {
  it('copies every origin 1:1 when the running argv is what the files give', () => {
    const p = predicted();
    const r = attributeRunningArgv(cmdline, p);
    expect(r.argvDiffers).toBe(false);
    expect(r.argv).toEqual(p.map((a) => ({ value: a.value, origin: a.origin })));
  });

  it('aligns when the files on disk add an argument the running kubelet does not have', () => {
    // Verbatim from the reference: the sed-edited drop-in.
    const p = predicted("[Service]\nEnvironment='KUBELET_EXTRA_ARGS=--read-only-port=10255'\n");
    expect(p.at(-1)?.value).toBe('--read-only-port=10255');
    const r = attributeRunningArgv(cmdline, p);
    expect(r.argvDiffers).toBe(true);
    expect(r.argv.map((a) => a.value)).toEqual(cmdline);
    expect(r.argv.map((a) => originText(a.origin))).toEqual(p.slice(0, -1).map((a) => originText(a.origin)));
  });

  it('marks arguments no file explains as coming from the process', () => {
    const p = predicted();
    const running = [...cmdline.slice(0, 3), '--authorization-mode=AlwaysAllow', ...cmdline.slice(3)];
    const r = attributeRunningArgv(running, p);
    expect(r.argvDiffers).toBe(true);
    expect(r.argv.map((a) => a.value)).toEqual(running);
    expect(r.argv[3]?.origin).toEqual({ kind: 'process' });
    expect(r.argv.filter((a) => a.origin.kind === 'process')).toHaveLength(1);
    expect(originText(r.argv[4]!.origin)).toBe(originText(p[3]!.origin));
  });

  it('keeps a changed value as a process argument, not as the file one it replaced', () => {
    const p = predicted();
    const running = cmdline.map((v) => (v === '--v=2' ? '--v=4' : v));
    const r = attributeRunningArgv(running, p);
    expect(r.argv.find((a) => a.value === '--v=4')?.origin).toEqual({ kind: 'process' });
    expect(r.argv.filter((a) => a.origin.kind === 'process')).toHaveLength(1);
  });
});
