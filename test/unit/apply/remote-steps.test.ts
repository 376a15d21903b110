/**
 * The command builders, run for real by a local POSIX shell against a temp directory whose
 * names are hostile: what the node's shell would do is what this shell does.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  atomicReplace,
  backupDirFor,
  backupFile,
  backupPath,
  describeCommand,
  hashFiles,
  journalSince,
  lockHolder,
  restartUnit,
  type RemoteCommand,
} from '../../../src/apply/remote-steps.js';

function sh(c: RemoteCommand, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('sh', ['-c', c.command], { cwd });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(c.stdin ?? '');
  });
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

let root: string;
let dir: string;
let target: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'kf-steps-'));
  // A directory and file name that would run `touch PWNED` if anything were unquoted.
  dir = join(root, "a b'$(touch PWNED)`touch PWNED2`;x");
  await mkdir(dir);
  target = join(dir, "kubelet's \"config\" $HOME.json");
  await writeFile(target, '{"old": true}\n');
  await chmod(target, 0o640);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function noInjection(): Promise<void> {
  for (const d of [root, dir, process.cwd()]) {
    expect(existsSync(join(d, 'PWNED'))).toBe(false);
    expect(existsSync(join(d, 'PWNED2'))).toBe(false);
  }
}

describe('atomicReplace', () => {
  it('replaces a file with a hostile name, keeping its mode, and prints the new hash', async () => {
    const content = '{"authorization": {"mode": "Webhook"}}\n$(touch PWNED)\n';
    const r = await sh(atomicReplace(target, { stdin: content }), root);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await readFile(target, 'utf8')).toBe(content);
    expect((await stat(target)).mode & 0o777).toBe(0o640);
    const [hashLine, statLine] = r.stdout.trim().split('\n');
    expect(hashLine!.split(/\s+/)[0]).toBe(sha(content));
    expect(statLine!.split(' ')[0]).toBe('640');
    // No temp file is left behind.
    expect(await readdir(dir)).toEqual([target.slice(dir.length + 1)]);
    await noInjection();
  });

  it('leaves the file untouched and removes its temp file when the write fails', async () => {
    // chown --reference to a file that is not there fails before the rename.
    const missing = join(dir, 'gone');
    const r = await sh(atomicReplace(missing, { stdin: 'new\n' }), root);
    expect(r.code).not.toBe(0);
    expect(existsSync(missing)).toBe(false);
    expect((await readdir(dir)).sort()).toEqual([target.slice(dir.length + 1)]);
  });

  it('never puts the content on the command line; the temp file name never ends in .conf', () => {
    const secret = 'token: s3cr3t-value';
    const c = atomicReplace('/etc/systemd/system/kubelet.service.d/10-args.conf', { stdin: secret });
    expect(c.command).not.toContain('s3cr3t');
    expect(c.stdin).toBe(secret);
    expect(describeCommand(c, sha(secret))).not.toContain('s3cr3t');
    expect(describeCommand(c, sha(secret))).toContain(`${Buffer.byteLength(secret)} bytes, sha256 ${sha(secret)}`);
    const template = /mktemp '?([^' )]+)'?\)/.exec(c.command)?.[1];
    expect(template).toBe('/etc/systemd/system/kubelet.service.d/.10-args.conf.kubelet-fix-XXXXXX');
    expect(template!.endsWith('.conf')).toBe(false);
  });

  it('restores from a backup with the backup\'s bytes and mode', async () => {
    const backup = join(root, 'backup.json');
    await writeFile(backup, 'before\n');
    await chmod(backup, 0o600);
    const r = await sh(atomicReplace(target, { backup }), root);
    expect(r.code).toBe(0);
    expect(await readFile(target, 'utf8')).toBe('before\n');
    expect((await stat(target)).mode & 0o777).toBe(0o600);
    expect(r.stdout.split('\n')[0]!.split(/\s+/)[0]).toBe(sha('before\n'));
  });
});

describe('backupFile', () => {
  it('copies a hostile path under the backup directory, mode kept, directories private', async () => {
    const backups = join(root, 'backups');
    const bp = backupPath(backups, target);
    expect(bp).toBe(`${backups}${target}`);
    const r = await sh(backupFile(target, bp), root);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split(/\s+/)[0]).toBe(sha('{"old": true}\n'));
    expect(await readFile(bp, 'utf8')).toBe('{"old": true}\n');
    expect((await stat(bp)).mode & 0o777).toBe(0o640);
    expect((await stat(backups)).mode & 0o777).toBe(0o700);
    await noInjection();
  });

  it('names backup directories by time and apply id, outside any drop-in directory', () => {
    const d = backupDirFor(new Date('2026-01-02T03:04:05.678Z'), 'abcd1234');
    expect(d).toBe('/var/backups/kubelet-fix/2026-01-02T03-04-05Z-abcd1234');
    expect(backupPath(d, '/etc/systemd/system/kubelet.service.d/10-args.conf')).toBe(
      '/var/backups/kubelet-fix/2026-01-02T03-04-05Z-abcd1234/etc/systemd/system/kubelet.service.d/10-args.conf',
    );
  });
});

describe('other commands', () => {
  it('hashes hostile paths and skips missing ones', async () => {
    const r = await sh(hashFiles([target, join(dir, 'missing')]), root);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toContain(sha('{"old": true}\n'));
    await noInjection();
  });

  it('quotes unit names and journal times', () => {
    expect(restartUnit("kubelet'; rm -rf /; '").command).toBe(`systemctl restart 'kubelet'\\''; rm -rf /; '\\'''`);
    expect(journalSince('kubelet.service', '2026-01-02 03:04:05').command).toBe(
      "journalctl -u kubelet.service --no-pager -o cat --since '2026-01-02 03:04:05' | tail -n 200",
    );
  });

  it('passes the lock owner and token to the holder as arguments, not as script text', () => {
    const c = lockHolder("tok'$(x)", "me'$(y)", 30, 600);
    expect(c.command).toMatch(/^mkdir -p \/run\/lock && flock -w 30 \/run\/lock\/kubelet-fix.lock sh -c '/);
    expect(c.command).toContain(`'tok'\\''$(x)' 'me'\\''$(y)' 600`);
    expect(c.timeoutMs).toBeGreaterThan(630_000);
  });
});
