/**
 * The SSH transport against real OpenSSH sshd on real fleet nodes (systemd-nspawn, real sudo).
 * Every host key decision is made against files OpenSSH itself wrote or can read back.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError, HostKeyError, NodeError, SudoError } from '../../src/transport/errors.js';
import { connect } from '../../src/transport/ssh-transport.js';
import { resolveTargets } from '../../src/transport/targets.js';
import type { NodeTarget, Transport } from '../../src/transport/transport.js';
import { startFleet, type Fleet } from './fleet.js';

let fleet: Fleet;
let work: string;
let savedAgent: string | undefined;

beforeAll(async () => {
  // Only the fleet's key file may authenticate: a developer's agent must not make tests pass.
  savedAgent = process.env.SSH_AUTH_SOCK;
  delete process.env.SSH_AUTH_SOCK;
  work = mkdtempSync(join(tmpdir(), 'kf-transport-'));
  fleet = await startFleet([
    { name: 'tr-a', layout: 'kubeadm', scenario: 'compliant' },
    { name: 'tr-b', layout: 'kubeadm', scenario: 'compliant', options: ['sudo=password'] },
  ]);
});

afterAll(async () => {
  await fleet?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent;
});

const node = (name: string) => fleet.node(name);

async function target(name: string, change: Partial<NodeTarget> = {}): Promise<NodeTarget> {
  const [t] = await resolveTargets({ hosts: [name], sshConfig: fleet.sshConfig });
  return { ...(t as NodeTarget), ...change };
}

/** The fingerprint OpenSSH computes for the key known_hosts records for `address`. */
function opensshFingerprint(knownHosts: string, address: string): string {
  const line = readFileSync(knownHosts, 'utf8').split('\n').find((l) => l.startsWith(`${address} `)) as string;
  const file = join(work, `fp-${address}`);
  writeFileSync(file, line.split(' ').slice(1).join(' ') + '\n');
  return execFileSync('ssh-keygen', ['-lf', file], { encoding: 'utf8' }).split(' ')[1] as string;
}

/** A known_hosts copy transformed line by line. */
function knownHostsCopy(name: string, transform: (line: string) => string | undefined): string {
  const file = join(work, name);
  const lines = readFileSync(fleet.knownHosts, 'utf8').split('\n').filter(Boolean);
  writeFileSync(file, lines.flatMap((l) => transform(l) ?? []).map((l) => `${l}\n`).join(''));
  return file;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('connecting through the fleet ssh_config', () => {
  let t: Transport;
  beforeAll(async () => {
    t = await connect(await target('tr-a'));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('reaches the node by its ssh_config alias and records who it reached', async () => {
    const a = node('tr-a');
    expect(t.identity).toEqual({
      name: 'tr-a',
      address: a.address,
      port: 22,
      user: 'azureuser',
      hostKeyFingerprint: opensshFingerprint(fleet.knownHosts, a.address),
      hostKeyAlgorithm: 'ssh-ed25519',
    });
    const r = await t.exec('id -un; echo oops >&2; exit 7');
    expect(r).toEqual({ stdout: 'azureuser\n', stderr: 'oops\n', code: 7 });
  });

  it('passes binary stdin through unchanged, with and without sudo', async () => {
    const data = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(3 * 1024 * 1024)]);
    const sha = createHash('sha256').update(data).digest('hex');
    expect((await t.exec('sha256sum')).stdout).toBe(`${createHash('sha256').digest('hex')}  -\n`); // no stdin: EOF at once
    expect((await t.exec('sha256sum', { stdin: data })).stdout).toBe(`${sha}  -\n`);
    const file = `/root/kf-transport-${process.pid}`;
    const written = await t.exec(`cat > ${file} && stat -c %U:%s ${file} && sha256sum < ${file} && rm ${file}`, {
      stdin: data,
      sudo: true,
    });
    expect(written).toEqual({ stdout: `root:${data.length}\n${sha}  -\n`, stderr: '', code: 0 });
  });

  it('runs sudo commands as root, whole command lines included', async () => {
    const r = await t.exec(`id -u; printf '%s\\n' "it's" | tr a-z A-Z; test -r /etc/shadow && echo readable`, { sudo: true });
    expect(r).toEqual({ stdout: "0\nIT'S\nreadable\n", stderr: '', code: 0 });
  });

  it('reuses one SSH connection for every command, even many at once', async () => {
    const results = await Promise.all(Array.from({ length: 24 }, () => t.exec('echo "$SSH_CONNECTION"')));
    const connections = new Set(results.map((r) => r.stdout));
    expect(connections.size).toBe(1);
    expect([...connections][0]).toMatch(/ 22\n$/);
  });

  it('reports the exit status of quick commands while the event loop is busy', async () => {
    // A busy process (the terminal progress view redrawing, say) reads sshd's whole reply at once:
    // exec accepted, output, exit status and close, all before any awaiting code resumes.
    const busy = setInterval(() => {
      const until = Date.now() + 15;
      while (Date.now() < until);
    }, 1);
    const results = [];
    try {
      for (let i = 0; i < 20; i++) results.push(await t.exec('echo hi; exit 3'));
    } finally {
      clearInterval(busy);
    }
    expect(results).toEqual(Array.from({ length: 20 }, () => ({ stdout: 'hi\n', stderr: '', code: 3 })));
  });
});

describe('commands that go wrong', () => {
  it('a command past its timeout is killed on the node with a clear error; the connection stays usable', async () => {
    const t = await connect(await target('tr-a'));
    try {
      const started = Date.now();
      const err = await failure(t.exec('sleep 31; echo never', { timeoutMs: 500 }));
      expect(Date.now() - started).toBeLessThan(5000);
      expect(err).toBeInstanceOf(NodeError);
      expect(err.message).toBe('command on tr-a did not finish within 0.5s and was stopped');
      await new Promise((r) => setTimeout(r, 300));
      expect((await t.exec("ps -eo args | grep -c '^[s]leep 31'")).stdout).toBe('0\n');
    } finally {
      await t.close();
    }
  });

  it('a connection that drops mid-command fails that command and every later one as ConnectError', async () => {
    const t = await connect(await target('tr-a'));
    // $PPID is this session's sshd process: killing it cuts the connection from the node's side.
    const during = await failure(t.exec('kill -9 $PPID; sleep 5'));
    expect(during).toBeInstanceOf(ConnectError);
    expect(during.message).toMatch(/^lost the connection to tr-a/);
    const after = await failure(t.exec('true'));
    expect(after).toBeInstanceOf(ConnectError);
    const started = Date.now();
    await t.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('host keys', () => {
  it('refuses a node whose key is not in known_hosts, naming the file and the fingerprint to verify', async () => {
    const a = node('tr-a');
    const kh = knownHostsCopy('without-a', (l) => (l.startsWith(`${a.address} `) ? undefined : l));
    const err = await failure(connect(await target('tr-a', { knownHostsFiles: [kh] })));
    expect(err).toBeInstanceOf(HostKeyError);
    expect(err.message).toBe(
      `host key for tr-a (${a.address}:22) is not in known_hosts ${kh}; verify the fingerprint ${opensshFingerprint(fleet.knownHosts, a.address)} (ssh-ed25519) and add it, or pass --accept-new-host-keys`,
    );
  });

  it('refuses a changed key, even with accept-new, and leaves known_hosts alone', async () => {
    const a = node('tr-a');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(work, 'impostor')]);
    const impostor = readFileSync(join(work, 'impostor.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    const kh = knownHostsCopy('changed', (l) => (l.startsWith(`${a.address} `) ? `${a.address} ${impostor}` : l));
    const before = readFileSync(kh, 'utf8');
    for (const strict of ['yes', 'accept-new'] as const) {
      const err = await failure(connect(await target('tr-a', { knownHostsFiles: [kh], strictHostKeyChecking: strict })));
      expect(err).toBeInstanceOf(HostKeyError);
      expect(err.message).toContain(`HOST KEY CHANGED for tr-a (${a.address}:22): it presents ssh-ed25519 ${opensshFingerprint(fleet.knownHosts, a.address)}`);
      expect(err.message).toContain(`known_hosts records ssh-ed25519 ${opensshFingerprint(kh, a.address)} (${kh}:`);
    }
    expect(readFileSync(kh, 'utf8')).toBe(before);
  });

  it('matches hashed known_hosts entries written by ssh-keygen -H', async () => {
    const kh = knownHostsCopy('hashed', (l) => l);
    execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
    expect(readFileSync(kh, 'utf8')).not.toContain(node('tr-a').address);
    const t = await connect(await target('tr-a', { knownHostsFiles: [kh] }));
    expect((await t.exec('hostname')).stdout).toBe('tr-a\n');
    await t.close();
  });

  it('accept-new records a first-seen key where OpenSSH finds and trusts it', async () => {
    const a = node('tr-a');
    const kh = join(work, 'fresh', 'dir', 'known_hosts');
    const t = await connect(await target('tr-a', { knownHostsFiles: [kh], strictHostKeyChecking: 'accept-new' }));
    await t.close();
    expect(execFileSync('ssh-keygen', ['-F', a.address, '-f', kh], { encoding: 'utf8' })).toContain('ssh-ed25519');
    // Real OpenSSH, strict, with only that file, accepts the node: the recorded key is the right one.
    const out = execFileSync(
      'ssh',
      ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${kh}`,
        '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'IdentitiesOnly=yes', '-i', fleet.identityFile, `azureuser@${a.address}`, 'hostname'],
      { encoding: 'utf8' },
    );
    expect(out).toBe('tr-a\n');
    // And now strict checking passes for us too.
    const again = await connect(await target('tr-a', { knownHostsFiles: [kh] }));
    await again.close();
  });

  it('insists on the host key a plan was made with', async () => {
    const err = await failure(
      connect(await target('tr-a', { expectedHostKeyFingerprint: opensshFingerprint(fleet.knownHosts, node('tr-b').address) })),
    );
    expect(err).toBeInstanceOf(HostKeyError);
    expect(err.message).toContain('but the plan was made with');
  });
});

describe('sudo', () => {
  it('a node whose sudo wants a password gives a SudoError, and plain commands still work', async () => {
    const t = await connect(await target('tr-b'));
    try {
      expect((await t.exec('id -un')).stdout).toBe('azureuser\n');
      const err = await failure(t.exec('cat /etc/shadow', { sudo: true }));
      expect(err).toBeInstanceOf(SudoError);
      expect(err.message).toBe(
        'sudo on tr-b needs a password (sudo -n failed): configure NOPASSWD for this user or connect as root',
      );
    } finally {
      await t.close();
    }
  });
});

describe('connection failures', () => {
  it('an address where nothing listens: connection refused, naming node and address:port', async () => {
    const [t] = await resolveTargets({ hosts: ['azureuser@127.66.66.66'], sshConfig: fleet.sshConfig });
    const err = await failure(connect(t as NodeTarget));
    expect(err).toBeInstanceOf(ConnectError);
    expect(err.message).toBe('cannot connect to 127.66.66.66:22: connection refused (is sshd running and listening on port 22?)');
  });

  it('a server that never speaks SSH: handshake timeout', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const [t] = await resolveTargets({ hosts: [`azureuser@127.0.0.1:${port}`], sshConfig: fleet.sshConfig });
      const err = await failure(connect(t as NodeTarget, { timeoutMs: 1500 }));
      expect(err).toBeInstanceOf(ConnectError);
      expect(err.message).toBe(`127.0.0.1:${port} accepted the connection but the SSH handshake did not finish within 1.5s`);
    } finally {
      silent.close();
    }
  });

  it('a key the node does not accept: says which user and which files were tried', async () => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(work, 'stranger')]);
    const err = await failure(connect(await target('tr-a', { identityFiles: [join(work, 'stranger'), join(work, 'absent')] })));
    expect(err).toBeInstanceOf(ConnectError);
    expect(err.message).toBe(
      `authentication as azureuser on tr-a (${node('tr-a').address}:22) failed: tried ${join(work, 'stranger')}; skipped ${join(work, 'absent')} (not found)`,
    );
  });
});

describe('ProxyJump', () => {
  it('reaches one node through another, checking both host keys', async () => {
    const a = node('tr-a');
    const b = node('tr-b');
    const config = join(work, 'jump_config');
    writeFileSync(
      config,
      `Include ${fleet.sshConfig}\n\nHost b-via-a\n  HostName ${b.address}\n  ProxyJump tr-a\n  User azureuser\n  IdentityFile ${fleet.identityFile}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${fleet.knownHosts}\n`,
    );
    const [viaA] = await resolveTargets({ hosts: ['b-via-a'], sshConfig: config });
    expect(viaA?.proxyJump?.map((j) => `${j.name}=${j.host}`)).toEqual([`tr-a=${a.address}`]);
    const t = await connect(viaA as NodeTarget);
    try {
      expect((await t.exec('hostname')).stdout).toBe('tr-b\n');
      expect(t.identity.hostKeyFingerprint).toBe(opensshFingerprint(fleet.knownHosts, b.address));
      // The jump host's sshd holds the TCP connection to tr-b: visible among tr-a's own processes.
      const onA = await connect(await target('tr-a'));
      const sockets = await onA.exec(`ss -Htnp state established dst ${b.address}:22`, { sudo: true });
      await onA.close();
      expect(sockets.stdout).toContain('sshd');
    } finally {
      await t.close();
    }

    const withoutA = knownHostsCopy('jump-unknown', (l) => (l.startsWith(`${a.address} `) ? undefined : l));
    const err = await failure(
      connect({ ...(viaA as NodeTarget), proxyJump: viaA!.proxyJump!.map((j) => ({ ...j, knownHostsFiles: [withoutA] })) }),
    );
    expect(err).toBeInstanceOf(HostKeyError);
    expect(err.message).toMatch(new RegExp(`^host key for jump host tr-a \\(${a.address.replace(/\./g, '\\.')}:22\\) of b-via-a is not in known_hosts`));
  });
});
