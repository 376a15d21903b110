import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../../src/transport/host-key.js';
import { decideHostKey, type HostKeyQuestion } from '../../../src/transport/host-key-policy.js';
import { parseKnownHosts } from '../../../src/transport/known-hosts.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const blob = (name: string) =>
  Buffer.from(readFileSync(join(fixtures, `${name}.pub`), 'utf8').split(' ')[1] as string, 'base64');
const entries = parseKnownHosts(readFileSync(join(fixtures, 'known_hosts.hashed'), 'utf8'), '/kh/known_hosts');

function ask(host: string, key: string, hop: Partial<HostKeyQuestion['hop']> = {}) {
  return decideHostKey({
    who: `n (${host}:22)`,
    hop: { host, port: 22, knownHostsFiles: ['/kh/known_hosts', '/kh/other'], strictHostKeyChecking: 'yes', ...hop },
    key: blob(key),
    entries,
    existingFiles: ['/kh/known_hosts'],
  });
}

describe('decideHostKey', () => {
  it('accepts a recorded key and reports its fingerprint', () => {
    expect(ask('node1', 'rsa')).toEqual({ accept: true, fingerprint: fingerprint(blob('rsa')), keyType: 'ssh-rsa' });
  });

  it('refuses an unknown host under strict checking, with the fingerprint to verify and the way out', () => {
    const d = ask('new-node', 'ed25519');
    expect(d.accept).toBe(false);
    if (!d.accept) {
      expect(d.message).toBe(
        `host key for n (new-node:22) is not in known_hosts /kh/known_hosts; verify the fingerprint ${fingerprint(blob('ed25519'))} (ssh-ed25519) and add it, or pass --accept-new-host-keys`,
      );
    }
  });

  it('accept-new records an unknown key in the first known_hosts file; no records nothing', () => {
    expect(ask('new-node', 'ed25519', { strictHostKeyChecking: 'accept-new' })).toMatchObject({ accept: true, recordIn: '/kh/known_hosts' });
    const no = ask('new-node', 'ed25519', { strictHostKeyChecking: 'no' });
    expect(no.accept && 'recordIn' in no).toBe(false);
    expect(no.accept).toBe(true);
  });

  it('refuses a changed key even with accept-new, showing both fingerprints and where the old one is', () => {
    for (const strict of ['yes', 'accept-new'] as const) {
      const d = ask('node1', 'other', { strictHostKeyChecking: strict });
      expect(d.accept).toBe(false);
      if (!d.accept) {
        expect(d.message).toContain(`HOST KEY CHANGED for n (node1:22): it presents ssh-ed25519 ${fingerprint(blob('other'))}`);
        expect(d.message).toContain(`ssh-ed25519 ${fingerprint(blob('ed25519'))} (/kh/known_hosts:2)`);
        expect(d.message).toContain(`ssh-rsa ${fingerprint(blob('rsa'))} (/kh/known_hosts:3)`);
        expect(d.message).toContain("ssh-keygen -R 'node1' -f /kh/known_hosts");
      }
    }
  });

  it('refuses a host known only by another key type (no silent downgrade to trust-on-first-use)', () => {
    expect(ask('node3', 'ed25519', { port: 2222, strictHostKeyChecking: 'accept-new' }).accept).toBe(false);
  });

  it('refuses a revoked key whatever the strictness', () => {
    const d = ask('node1', 'revoked', { strictHostKeyChecking: 'no' });
    expect(d.accept).toBe(false);
    if (!d.accept) expect(d.message).toMatch(/is marked @revoked in \/kh\/known_hosts:8; refusing to connect$/);
  });

  it('insists on the fingerprint a plan was made with', () => {
    const fp = fingerprint(blob('ed25519'));
    expect(ask('node1', 'ed25519', { expectedHostKeyFingerprint: fp }).accept).toBe(true);
    const d = ask('node1', 'rsa', { expectedHostKeyFingerprint: fp });
    expect(d.accept).toBe(false);
    if (!d.accept) expect(d.message).toContain(`is ssh-rsa ${fingerprint(blob('rsa'))}, but the plan was made with ${fp}`);
    expect(ask('anything', 'other', { strictHostKeyChecking: 'no', expectedHostKeyFingerprint: fp }).accept).toBe(false);
  });

  it('says when no known_hosts file exists or is configured', () => {
    const missing = decideHostKey({
      who: 'n',
      hop: { host: 'h', port: 22, knownHostsFiles: ['/nope'], strictHostKeyChecking: 'yes' },
      key: blob('ed25519'),
      entries: [],
      existingFiles: [],
    });
    expect(!missing.accept && missing.message).toContain('is not in known_hosts /nope (which does not exist)');
    const none = decideHostKey({
      who: 'n',
      hop: { host: 'h', port: 22, knownHostsFiles: [], strictHostKeyChecking: 'accept-new' },
      key: blob('ed25519'),
      entries: [],
      existingFiles: [],
    });
    expect(!none.accept && none.message).toContain('no known_hosts file is configured');
  });
});
