/**
 * `fix apply` without a plan file: it plans, shows the diffs and asks. Only an explicit "yes"
 * typed on a terminal proceeds; --yes skips the question; with no terminal and no --yes it refuses.
 * The terminal is a real pseudo-terminal (util-linux `script`), the nodes are real.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from './fleet.js';
import { runFix } from './run-fix.js';

const BIN = fileURLToPath(new URL('../../bin/fix.js', import.meta.url));
const FLAGS_FILE = '/etc/systemd/system/kubelet.service.d/10-kubelet-args.conf';
let fleet: Fleet;

/** Runs fix on a pseudo-terminal and types `answer` once the question is on screen. */
function onTerminal(args: string[], answer: string): Promise<{ code: number; screen: string }> {
  return new Promise((resolve, reject) => {
    const cmd = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let answered = false;
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
      if (!answered && screen.includes('Only "yes" will be accepted')) {
        answered = true;
        child.stdin.write(`${answer}\r`);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, screen }));
  });
}

async function hash(node: string): Promise<string> {
  return (await fleet.ssh(node, `sudo sha256sum ${FLAGS_FILE}`)).stdout.split(' ')[0]!;
}

beforeAll(async () => {
  fleet = await startFleet([
    { name: 'c-refuse', layout: 'eks', scenario: 'flag-alwaysallow' },
    { name: 'c-yes', layout: 'eks', scenario: 'flag-alwaysallow' },
    { name: 'c-flag', layout: 'eks', scenario: 'flag-alwaysallow' },
  ]);
});

afterAll(async () => {
  await fleet?.stop();
});

describe('fix apply approval', () => {
  it('refuses with no terminal and no --yes, changing nothing', async () => {
    const before = await hash('c-refuse');
    const r = await runFix(['apply', '--ssh-config', fleet.sshConfig, '--hosts', 'c-refuse']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refusing to apply without approval: there is no terminal to ask on');
    expect(r.stdout).toContain('-Environment=');
    expect(await hash('c-refuse')).toBe(before);
  });

  it('on a terminal, any answer but "yes" cancels and changes nothing', async () => {
    const before = await hash('c-refuse');
    const r = await onTerminal(['apply', '--ssh-config', fleet.sshConfig, '--hosts', 'c-refuse'], 'y');
    expect(r.code).toBe(1);
    expect(r.screen).toContain('Apply cancelled: nothing was changed.');
    expect(await hash('c-refuse')).toBe(before);
  });

  it('on a terminal, "yes" applies, and the node then plans nothing', async () => {
    const r = await onTerminal(['apply', '--ssh-config', fleet.sshConfig, '--hosts', 'c-yes', '--record', '/tmp/c-yes-record.json'], 'yes');
    expect(r.screen).toContain('Apply: 1 applied.');
    expect(r.code).toBe(0);
    const again = await runFix(['plan', '--ssh-config', fleet.sshConfig, '--hosts', 'c-yes', '--detailed-exitcode']);
    expect(again.code).toBe(0);
  });

  it('--yes approves without a terminal', async () => {
    const r = await runFix(['apply', '--ssh-config', fleet.sshConfig, '--hosts', 'c-flag', '--yes', '--record', '/tmp/c-flag-record.json']);
    expect(r.stdout).toContain('Apply: 1 applied.');
    expect(r.code).toBe(0);
    const z = JSON.parse((await fleet.ssh('c-flag', 'sudo cat /run/kubelet/configz.json')).stdout);
    expect(z.kubeletconfig.authorization.mode).toBe('Webhook');
  });
});
