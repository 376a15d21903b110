import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authPlan, describeAuthAttempts, loadIdentityFiles } from '../../../src/transport/identities.js';
import type { NodeTarget } from '../../../src/transport/transport.js';

let dir: string;
const path = (name: string) => join(dir, name);
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kf-id-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path('plain')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-m', 'PEM', '-f', path('pem')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', path('encrypted')]);
  writeFileSync(path('garbage'), 'not a key\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const target = (identityFiles: string[], extra: Partial<NodeTarget> = {}): NodeTarget => ({
  name: 'n',
  host: 'h',
  port: 22,
  user: 'azureuser',
  identityFiles,
  knownHostsFiles: [],
  strictHostKeyChecking: 'yes',
  ...extra,
});

describe('identity files', () => {
  it('loads usable keys and says why the others are skipped', async () => {
    const files = ['plain', 'pem', 'encrypted', 'garbage', 'missing', 'plain.pub'].map(path);
    const ids = await loadIdentityFiles(files);
    expect(ids.map((i) => i.status)).toEqual(['loaded', 'loaded', 'encrypted', 'unusable', 'not found', 'unusable']);
    // The encrypted key's .pub still identifies it, for IdentitiesOnly agent filtering.
    expect(ids[2]?.publicBlob?.length).toBeGreaterThan(0);
  });

  it('tries the agent first, then each loaded key, and explains a failure with the way out for encrypted keys', async () => {
    const ids = await loadIdentityFiles(['encrypted', 'plain', 'missing'].map(path));
    const plan = authPlan(target(ids.map((i) => i.file), { identityAgent: '/run/agent.sock' }), ids);
    const offered: string[] = [];
    const next = (m: unknown) => offered.push(m === false ? 'stop' : (m as { type: string }).type);
    plan.handler(null as never, false, next as never);
    plan.handler(['publickey', 'password'], false, next as never);
    plan.handler(['publickey', 'password'], false, next as never);
    expect(offered).toEqual(['agent', 'publickey', 'stop']);
    const text = describeAuthAttempts(plan.log, ids);
    expect(text).toContain(`tried ssh-agent (/run/agent.sock), ${path('plain')}`);
    expect(text).toContain(`skipped ${path('missing')} (not found)`);
    expect(text).toContain(`${path('encrypted')} is passphrase-protected and kubelet-fix does not ask for passphrases: load it into ssh-agent (ssh-add ${path('encrypted')})`);
  });

  it('stops when the server takes no public keys, and says what it offers', async () => {
    const ids = await loadIdentityFiles([path('plain')]);
    const plan = authPlan(target([path('plain')]), ids);
    const offered: unknown[] = [];
    plan.handler(['password', 'keyboard-interactive'], false, ((m: unknown) => offered.push(m)) as never);
    expect(offered).toEqual([false]);
    expect(describeAuthAttempts(plan.log, ids)).toContain('the server does not accept public keys (it offers: password, keyboard-interactive)');
  });

  it('says so when there is nothing to try', async () => {
    const ids = await loadIdentityFiles([path('missing')]);
    expect(describeAuthAttempts(authPlan(target([path('missing')]), ids).log, ids)).toMatch(/^no usable key: no ssh-agent/);
  });
});
