/**
 * The real read-files script run by the local sh on real files, parsed by the real parser: the
 * whole round trip but the ssh hop. And the real probe on this machine, which has no running
 * kubelet.service: gatherFacts must fail with a clear node error.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherFacts, readFiles } from '../../../src/facts/gather.js';
import { NodeError } from '../../../src/transport/errors.js';
import { LocalShellTransport } from './local-shell.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "kf facts '"));
  chmodSync(root, 0o755);
  writeFileSync(join(root, 'secret'), 'token\n', { mode: 0o000 });
  writeFileSync(join(root, 'kubelet'), 'KUBELET_FLAGS=--v=2\tx\r\nLABELS=zone=é\n', { mode: 0o600 });
  symlinkSync(join(root, 'kubelet'), join(root, 'kubelet-link'));
  mkdirSync(join(root, 'conf.d/nested'), { recursive: true });
  mkdirSync(join(root, 'conf.d/dir.conf'));
  writeFileSync(join(root, 'conf.d/10-a.conf'), 'kind: KubeletConfiguration\n');
  writeFileSync(join(root, 'conf.d/nested/20-b.conf'), 'readOnlyPort: 0\n');
  writeFileSync(join(root, 'conf.d/README'), 'not read\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('readFiles with the real script', () => {
  it('reads content byte for byte with metadata, follows symlinks, reports missing and unreadable paths', async () => {
    const t = new LocalShellTransport();
    const file = join(root, 'kubelet');
    const r = await readFiles(t, [file, join(root, 'kubelet-link'), join(root, 'missing'), join(root, 'conf.d')], []);
    const by = new Map(r.files.map((f) => [f.path, f]));
    const content = 'KUBELET_FLAGS=--v=2\tx\r\nLABELS=zone=é\n';
    expect(by.get(file)).toMatchObject({ exists: true, content, mode: '0600', sha256: createHash('sha256').update(content).digest('hex') });
    expect(by.get(file)?.mtime).toBeGreaterThan(1_600_000_000);
    expect(by.get(file)?.owner).toMatch(/\S/);
    expect(by.get(join(root, 'kubelet-link'))).toMatchObject({ exists: true, content, realPath: file });
    expect(by.get(join(root, 'missing'))).toEqual({ path: join(root, 'missing'), exists: false });
    expect(by.get(join(root, 'conf.d'))).toEqual({ path: join(root, 'conf.d'), exists: true, error: 'is a directory' });
    // Every path went through shellQuote: the directory name holds a space and a quote.
    expect(t.commands[0]).toContain(`'${root.replace(/'/g, `'\\''`)}/kubelet'`);
  });

  it('reports a file the reading user may not read as existing, with the reason, and no content', async () => {
    const secret = join(root, 'secret');
    const r = await readFiles(new LocalShellTransport(true), [secret], []);
    expect(r.files).toHaveLength(1);
    expect(r.files[0]).toMatchObject({ path: secret, exists: true });
    expect(r.files[0]?.error).toMatch(/Permission denied/);
    expect(r.files[0]?.content).toBeUndefined();
  });

  it('lists a config dir recursively and reads every *.conf file in it', async () => {
    const dir = join(root, 'conf.d');
    const r = await readFiles(new LocalShellTransport(), [], [dir, join(root, 'no-such-dir')]);
    expect(r.dirs.find((d) => d.path === dir)?.entries.sort()).toEqual(['10-a.conf', 'README', 'nested/20-b.conf']);
    expect(r.dirs.find((d) => d.path === join(root, 'no-such-dir'))).toEqual({ path: join(root, 'no-such-dir'), exists: false, entries: [] });
    expect(r.files.map((f) => [f.path, f.content]).sort()).toEqual([
      [join(dir, '10-a.conf'), 'kind: KubeletConfiguration\n'],
      [join(dir, 'nested/20-b.conf'), 'readOnlyPort: 0\n'],
    ]);
  });

  it('makes no round trip when there is nothing to read', async () => {
    const t = new LocalShellTransport();
    expect(await readFiles(t, [], [])).toEqual({ files: [], dirs: [] });
    expect(t.commands).toEqual([]);
  });
});

describe('gatherFacts with the real probe', () => {
  it('fails with a node error naming the node when kubelet.service cannot be read', async () => {
    const err = await gatherFacts(new LocalShellTransport(), 'local').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeError);
    expect((err as NodeError).node).toBe('local');
    // This machine either has no systemd as PID 1 or no kubelet.service.
    expect((err as Error).message).toMatch(
      /^(systemctl show kubelet\.service failed on local: .+|no kubelet\.service unit found on this node \(systemctl show: LoadState=not-found\)|reading kubelet\.service failed on local: .+)$/,
    );
  });
});
