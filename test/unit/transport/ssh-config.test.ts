import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TargetError } from '../../../src/transport/errors.js';
import { resolveHostConfig } from '../../../src/transport/ssh-config.js';
import { parseSshConfig } from '../../../src/transport/ssh-config-file.js';
import { resolveTargets } from '../../../src/transport/targets.js';

let dir: string;
let savedHome: string | undefined;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kf-sshcfg-'));
  savedHome = process.env.HOME;
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  process.env.HOME = savedHome;
});

function writeConfig(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** `ssh -G`: OpenSSH's own evaluation of a config, no network involved. */
function opensshView(config: string, destination: string): Map<string, string[]> {
  const out = execFileSync('ssh', ['-G', '-F', config, destination], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const view = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const [key, ...rest] = line.split(' ');
    if (!key) continue;
    view.set(key, [...(view.get(key) ?? []), rest.join(' ')]);
  }
  return view;
}

const oracleConfig = `# every rule below is checked against ssh -G
Host alias1
  HostName 10.1.0.1
  User alice
  Port 2201
  IdentityFile /keys/a
Host alias1 alias2
  User bob
  # first value wins: alias1 keeps alice and 2201, but collects a second IdentityFile
  Port 2202
  IdentityFile /keys/b
  UserKnownHostsFile /kh/one /kh/two
Host *.internal !secret.internal
  User ops
  ProxyJump bastion.internal
  StrictHostKeyChecking accept-new
Host secret.internal
  HostName %h.example.com
  ProxyJump none
Host quoted
  IdentityFile "/keys/with space"
  HostName=10.9.9.9
  Port = 2299
Match host 10.1.0.1 user alice
  StrictHostKeyChecking no
Match originalhost alias2
  StrictHostKeyChecking yes
Host *
  User fallback
  IdentityFile /keys/all
  StrictHostKeyChecking ask
  UserKnownHostsFile /kh/default
`;

describe('ssh_config resolution agrees with OpenSSH (ssh -G)', () => {
  const destinations = [
    'alias1',
    'carol@alias1',
    'alias2',
    'a.internal',
    'secret.internal',
    'quoted',
    'plain.example.org',
  ];
  for (const destination of destinations) {
    it(destination, async () => {
      const config = writeConfig('oracle', oracleConfig);
      const [target] = await resolveTargets({ hosts: [destination], sshConfig: config });
      const ssh = opensshView(config, destination);
      expect(target?.host).toBe(ssh.get('hostname')?.[0]);
      expect(target?.user).toBe(ssh.get('user')?.[0]);
      expect(String(target?.port)).toBe(ssh.get('port')?.[0]);
      expect(target?.identityFiles).toEqual(ssh.get('identityfile'));
      expect(target?.knownHostsFiles.slice(0, -2).join(' ')).toBe(ssh.get('userknownhostsfile')?.[0]);
      const strict = { true: 'yes', ask: 'yes', false: 'no', 'accept-new': 'accept-new' }[
        ssh.get('stricthostkeychecking')?.[0] as 'true'
      ];
      expect(target?.strictHostKeyChecking).toBe(strict);
      expect(target?.proxyJump?.map((j) => j.name).join(',')).toBe(ssh.get('proxyjump')?.[0]);
    });
  }
});

describe('ssh_config details', () => {
  it('reports bad values with file and line', () => {
    const file = writeConfig('bad-port', 'Host x\n  Port 70000\n');
    expect(() => parseSshConfig('Host x\n  Port 70000\n', file, { home: dir })).toThrow(`${file}:2: Port: "70000" is not a port number`);
    expect(() => parseSshConfig('Host x\n\n  StrictHostKeyChecking maybe\n', 'f', { home: dir })).toThrow(/^f:3: StrictHostKeyChecking/);
    expect(() => parseSshConfig('Host "x\n', 'f', { home: dir })).toThrow('f:1: unterminated quote');
  });

  it('fails on Match exec and ProxyCommand only for hosts they could apply to', () => {
    const config = parseSshConfig(
      'Host other\n  ProxyCommand nc %h %p\nMatch host special exec "true"\n  User x\n',
      'cfg',
      { home: dir },
    );
    expect(resolveHostConfig(config, 'plain', { localUser: 'me' }).user).toBeUndefined();
    expect(() => resolveHostConfig(config, 'special', { localUser: 'me' })).toThrow('cfg:3: Match exec is not supported');
    expect(() => resolveHostConfig(config, 'other', { localUser: 'me' })).toThrow(/cfg:2: ProxyCommand.*use ProxyJump/);
  });

  it('follows Include relative to ~/.ssh, with globs, and not from inside a non-matching Host', async () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.ssh', 'conf.d'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'conf.d', '10-a.conf'), 'Host inc-a\n  User from-a\n');
    writeFileSync(join(home, '.ssh', 'conf.d', '20-b.conf'), 'Host inc-b\n  User from-b\n');
    writeFileSync(join(home, '.ssh', 'conf.d', '.hidden.conf'), 'Host inc-a\n  Port 2\n');
    writeFileSync(join(home, '.ssh', 'only-for-x'), 'Port 2345\n');
    const main = join(home, '.ssh', 'config');
    writeFileSync(main, 'Include conf.d/*.conf\nHost x\n  Include only-for-x\nHost *\n  IdentityFile ~/.ssh/mine\n');
    process.env.HOME = home;
    const [a, b, x, y] = await resolveTargets({ hosts: ['inc-a', 'inc-b', 'x', 'y'] });
    expect([a?.user, a?.port, b?.user, x?.port, y?.port]).toEqual(['from-a', 22, 'from-b', 2345, 22]);
    expect(y?.identityFiles).toEqual([join(home, '.ssh', 'mine')]);
  });

  it('uses the default identity files and known_hosts under ~ when none are configured', async () => {
    const home = join(dir, 'home2');
    mkdirSync(home, { recursive: true });
    process.env.HOME = home; // and no ~/.ssh/config: the default config may be missing
    const [t] = await resolveTargets({ hosts: ['h'], defaultUser: 'azureuser' });
    expect(t?.user).toBe('azureuser');
    expect(t?.identityFiles).toEqual(['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(home, '.ssh', f)));
    expect(t?.knownHostsFiles.slice(0, 2)).toEqual([join(home, '.ssh', 'known_hosts'), join(home, '.ssh', 'known_hosts2')]);
    expect(t?.strictHostKeyChecking).toBe('yes');
  });

  it('refuses a missing explicit --ssh-config', async () => {
    await expect(resolveTargets({ hosts: ['h'], sshConfig: join(dir, 'missing') })).rejects.toThrow(TargetError);
    await expect(resolveTargets({ hosts: ['h'], sshConfig: join(dir, 'missing') })).rejects.toThrow(/cannot read ssh config .*missing/);
  });

  it('lets the command line override StrictHostKeyChecking, like ssh -o', async () => {
    const config = writeConfig('strict', 'Host *\n  StrictHostKeyChecking no\n');
    const [fromConfig] = await resolveTargets({ hosts: ['h'], sshConfig: config });
    const [overridden] = await resolveTargets({ hosts: ['h'], sshConfig: config, strictHostKeyChecking: 'accept-new' });
    expect([fromConfig?.strictHostKeyChecking, overridden?.strictHostKeyChecking]).toEqual(['no', 'accept-new']);
  });

  it('chains ProxyJump hops, including the first hop’s own ProxyJump, each with its own settings', async () => {
    const config = writeConfig(
      'jumps',
      'Host node\n  ProxyJump j2,admin@j3:2200\nHost j2\n  HostName 10.0.0.2\n  ProxyJump j1\nHost j1\n  User jumper\nHost *\n  User ops\n',
    );
    const [t] = await resolveTargets({ hosts: ['node'], sshConfig: config, strictHostKeyChecking: 'accept-new' });
    expect(t?.proxyJump?.map((j) => `${j.user}@${j.host}:${j.port}/${j.strictHostKeyChecking}`)).toEqual([
      'jumper@j1:22/accept-new',
      'ops@10.0.0.2:22/accept-new',
      'admin@j3:2200/accept-new',
    ]);
    expect(t?.proxyJump?.every((j) => j.proxyJump === undefined)).toBe(true);
  });

  it('ignores a ProxyJump that points a jump host at itself (a wildcard Host matching the bastion)', async () => {
    const config = writeConfig('self', 'Host *.internal\n  ProxyJump bastion.internal\n');
    const [node, bastion] = await resolveTargets({ hosts: ['a.internal', 'bastion.internal'], sshConfig: config });
    expect(node?.proxyJump?.map((j) => [j.name, j.proxyJump])).toEqual([['bastion.internal', undefined]]);
    expect(bastion?.proxyJump).toBeUndefined();
  });

  it('stops a ProxyJump loop', async () => {
    const config = writeConfig('loop', 'Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n');
    await expect(resolveTargets({ hosts: ['a'], sshConfig: config })).rejects.toThrow(/ProxyJump chain for a is longer than 8 hops \(a loop\?\)/);
  });

  it('picks the agent from IdentityAgent or SSH_AUTH_SOCK, and none when told', async () => {
    const saved = process.env.SSH_AUTH_SOCK;
    process.env.SSH_AUTH_SOCK = '/run/agent.sock';
    try {
      const config = writeConfig('agent', 'Host off\n  IdentityAgent none\nHost custom\n  IdentityAgent ~/agent-%r\n  IdentitiesOnly yes\n');
      process.env.HOME = '/home/u';
      const [def, off, custom] = await resolveTargets({ hosts: ['def', 'off', 'root@custom'], sshConfig: config });
      expect(def?.identityAgent).toBe('/run/agent.sock');
      expect(off?.identityAgent).toBeUndefined();
      expect([custom?.identityAgent, custom?.identitiesOnly]).toEqual(['/home/u/agent-root', true]);
    } finally {
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
    }
  });
});
