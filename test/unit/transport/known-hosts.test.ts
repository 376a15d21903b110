import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprint, keyTypeOf } from '../../../src/transport/host-key.js';
import {
  appendKnownHost,
  entryMatchesHost,
  knownKeyTypes,
  loadKnownHosts,
  lookupHostKey,
  parseKnownHosts,
} from '../../../src/transport/known-hosts.js';

// Fixtures come from make-fixtures.sh (real ssh-keygen); ssh-keygen is also the oracle below.
const fixtures = join(import.meta.dirname, 'fixtures');
const read = (name: string) => readFileSync(join(fixtures, name), 'utf8');
const blob = (name: string) => Buffer.from(read(`${name}.pub`).split(' ')[1] as string, 'base64');
const plain = parseKnownHosts(read('known_hosts'), 'known_hosts');
const hashed = parseKnownHosts(read('known_hosts.hashed'), 'known_hosts.hashed');

/** The known_hosts lines OpenSSH's own lookup (`ssh-keygen -F`) finds for a name. */
function opensshMatches(file: string, name: string): number[] {
  let out = '';
  try {
    out = execFileSync('ssh-keygen', ['-F', name, '-f', join(fixtures, file)], { encoding: 'utf8' });
  } catch (err) {
    out = (err as { stdout?: string }).stdout ?? ''; // exit 1 = nothing found
  }
  return [...out.matchAll(/found: line (\d+)/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
}

const queries: [host: string, port: number][] = [
  ['node1', 22],
  ['NODE1', 22],
  ['node2', 22],
  ['10.0.0.2', 22],
  ['node3', 2222],
  ['node3', 22],
  ['node1', 2222],
  ['a.pool.example.com', 22],
  ['bad.pool.example.com', 22],
  ['x.ca.example.com', 22],
  ['::1', 2200],
  ['::1', 22],
  ['unknown.example.org', 22],
];

describe('known_hosts matching agrees with OpenSSH (ssh-keygen -F)', () => {
  for (const file of ['known_hosts', 'known_hosts.hashed']) {
    const entries = file === 'known_hosts' ? plain : hashed;
    for (const [host, port] of queries) {
      it(`${file}: ${host} port ${port}`, () => {
        const name = port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
        const ours = entries.filter((e) => entryMatchesHost(e, host, port)).map((e) => e.line);
        expect(ours).toEqual(opensshMatches(file, name));
      });
    }
  }

  it('really parsed hashed entries (the hashed file is not the plain one)', () => {
    expect(hashed.filter((e) => e.hosts.kind === 'hashed').length).toBeGreaterThanOrEqual(6);
    expect(read('known_hosts.hashed')).not.toContain('node1');
  });
});

describe('fingerprints', () => {
  for (const name of ['ed25519', 'ecdsa', 'rsa']) {
    it(`matches ssh-keygen -lf for ${name}`, () => {
      const expected = execFileSync('ssh-keygen', ['-lf', join(fixtures, `${name}.pub`)], { encoding: 'utf8' }).split(' ')[1];
      expect(fingerprint(blob(name))).toBe(expected);
    });
  }
  it('reads the key type from the blob', () => {
    expect(keyTypeOf(blob('ecdsa'))).toBe('ecdsa-sha2-nistp256');
    expect(keyTypeOf(Buffer.from('xx'))).toBe('unknown');
  });
});

describe('lookupHostKey verdicts', () => {
  for (const [label, entries] of [['plain', plain], ['hashed', hashed]] as const) {
    it(`${label}: a host with several key types accepts each of them`, () => {
      expect(lookupHostKey(entries, 'node1', 22, blob('ed25519')).status).toBe('known');
      expect(lookupHostKey(entries, 'node1', 22, blob('rsa')).status).toBe('known');
    });
    it(`${label}: another key for a known host is a change, listing what was recorded`, () => {
      const v = lookupHostKey(entries, 'node1', 22, blob('other'));
      expect(v.status).toBe('changed');
      if (v.status === 'changed') expect(v.known.map((e) => e.keyType).sort()).toEqual(['ssh-ed25519', 'ssh-rsa']);
    });
    it(`${label}: non-22 ports only match [host]:port entries`, () => {
      expect(lookupHostKey(entries, 'node3', 2222, blob('ecdsa')).status).toBe('known');
      expect(lookupHostKey(entries, 'node3', 22, blob('ecdsa')).status).toBe('unknown');
      expect(lookupHostKey(entries, 'node1', 2222, blob('ed25519')).status).toBe('unknown');
    });
    it(`${label}: @revoked refuses the key whatever else is recorded`, () => {
      const v = lookupHostKey(entries, 'node1', 22, blob('revoked'));
      expect(v.status).toBe('revoked');
      expect(lookupHostKey(entries, 'brand-new', 22, blob('revoked')).status).toBe('revoked');
    });
    it(`${label}: @cert-authority lines are not host keys`, () => {
      expect(lookupHostKey(entries, 'x.ca.example.com', 22, blob('ed25519')).status).toBe('unknown');
    });
  }

  it('comma lists and negated patterns', () => {
    expect(lookupHostKey(plain, '10.0.0.2', 22, blob('ed25519')).status).toBe('known');
    expect(lookupHostKey(plain, 'a.pool.example.com', 22, blob('ed25519')).status).toBe('known');
    expect(lookupHostKey(plain, 'bad.pool.example.com', 22, blob('ed25519')).status).toBe('unknown');
  });

  it('lists known key types so negotiation can ask for them', () => {
    expect(knownKeyTypes(hashed, 'node1', 22)).toEqual(['ssh-ed25519', 'ssh-rsa']);
    expect(knownKeyTypes(plain, 'node3', 2222)).toEqual(['ecdsa-sha2-nistp256']);
    expect(knownKeyTypes(plain, 'nowhere', 22)).toEqual([]);
  });
});

describe('malformed lines', () => {
  it('are skipped like OpenSSH skips them, keeping valid ones with their line numbers', () => {
    const entries = parseKnownHosts(read('known_hosts.malformed'), 'm');
    expect(entries.map((e) => [e.line, e.hosts.kind === 'patterns' ? e.hosts.patterns : 'hashed'])).toEqual([[6, ['node8']]]);
  });
});

describe('files', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('treats missing files as empty', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kf-kh-'));
    expect(await loadKnownHosts([join(dir, 'nope'), join(fixtures, 'known_hosts')])).toHaveLength(plain.length);
  });

  it('appends entries OpenSSH finds, even after a last line without newline, creating directories', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kf-kh-'));
    const existing = join(dir, 'known_hosts');
    writeFileSync(existing, `node1 ${read('ed25519.pub').split(' ').slice(0, 2).join(' ')}`); // no trailing newline
    await Promise.all([
      appendKnownHost(existing, '10.1.2.3', 2222, blob('rsa')),
      appendKnownHost(existing, '10.1.2.4', 22, blob('ecdsa')),
    ]);
    const out = execFileSync('ssh-keygen', ['-F', '[10.1.2.3]:2222', '-f', existing], { encoding: 'utf8' });
    expect(out).toContain(blob('rsa').toString('base64'));
    const entries = await loadKnownHosts([existing]);
    expect(lookupHostKey(entries, 'node1', 22, blob('ed25519')).status).toBe('known');
    expect(lookupHostKey(entries, '10.1.2.4', 22, blob('ecdsa')).status).toBe('known');

    const nested = join(dir, 'new', 'dir', 'known_hosts');
    await Promise.all([appendKnownHost(nested, 'h', 22, blob('ed25519')), appendKnownHost(nested, 'h', 22, blob('ed25519'))]);
    expect(readFileSync(nested, 'utf8')).toBe(`h ssh-ed25519 ${blob('ed25519').toString('base64')}\n`);
  });
});
