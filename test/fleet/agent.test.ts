/**
 * Authentication through a real ssh-agent: the ssh config names no identity file, the key lives
 * only in the agent (SSH_AUTH_SOCK), as on an operator's laptop. Without the agent the same
 * command fails and says what it tried.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import { startFleet, type Fleet } from './fleet.js';
import { runFix } from './run-fix.js';

let fleet: Fleet;
let agent: { sock: string; pid: number } | undefined;
let sshConfig: string;
let home: string;

beforeAll(async () => {
  fleet = await startFleet([{ name: 'g-agent', layout: 'kubeadm', scenario: 'flag-alwaysallow' }]);
  const dir = mkdtempSync(join(tmpdir(), 'agent-'));
  const out = execFileSync('ssh-agent', ['-s', '-a', join(dir, 'agent.sock')], { encoding: 'utf8' });
  agent = { sock: join(dir, 'agent.sock'), pid: Number(/SSH_AGENT_PID=(\d+)/.exec(out)![1]) };
  execFileSync('ssh-add', [fleet.identityFile], { env: { ...process.env, SSH_AUTH_SOCK: agent.sock }, stdio: 'ignore' });
  // An empty HOME, so no default ~/.ssh/id_* key can be what authenticates.
  home = join(dir, 'home');
  execFileSync('mkdir', ['-p', join(home, '.ssh')]);
  sshConfig = join(dir, 'ssh_config');
  const n = fleet.node('g-agent');
  writeFileSync(sshConfig, `Host g-agent\n  HostName ${n.address}\n  User ${n.user}\n  UserKnownHostsFile ${fleet.knownHosts}\n`);
});

afterAll(async () => {
  if (agent) process.kill(agent.pid);
  await fleet?.stop();
});

describe('ssh-agent', () => {
  it('plans with a key that only the agent holds', async () => {
    const r = await runFix(['plan', '--ssh-config', sshConfig, '--hosts', 'g-agent', '--format', 'json'], {
      env: { SSH_AUTH_SOCK: agent!.sock, HOME: home },
    });
    const plan = JSON.parse(r.stdout) as Plan;
    expect(plan.nodes[0]!.error).toBeUndefined();
    expect(plan.nodes[0]!.status).toBe('changes');
    expect(r.code).toBe(0);
  });

  it('without the agent the same node is an authentication error that says what was tried', async () => {
    const r = await runFix(['plan', '--ssh-config', sshConfig, '--hosts', 'g-agent', '--format', 'json'], {
      env: { SSH_AUTH_SOCK: '', HOME: home },
    });
    expect(r.code).toBe(1);
    const node = (JSON.parse(r.stdout) as Plan).nodes[0]!;
    expect(node.status).toBe('error');
    expect(node.error).toMatch(/g-agent/);
    expect(node.error).toMatch(/auth|key/i);
  });
});
