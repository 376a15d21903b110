import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TargetError } from '../../../src/transport/errors.js';
import { parseInventory } from '../../../src/transport/inventory.js';
import { resolveTargets } from '../../../src/transport/targets.js';

const parse = (text: string) => parseInventory(text, '/inv/fleet.yaml', '/home/op');

function errorOf(text: string): TargetError {
  try {
    parse(text);
  } catch (err) {
    if (err instanceof TargetError) return err;
    throw err;
  }
  throw new Error('expected a TargetError');
}

describe('inventory', () => {
  it('applies defaults, per-node overrides and resolves paths', () => {
    const nodes = parse(`
defaults:
  user: azureuser
  identityFile: ~/.ssh/aks
nodes:
  - name: pool1-0
    host: 10.224.0.4
    groups: [pool1]
  - name: pool1-1
    port: 2222
    user: root
    identityFile: [keys/a, /abs/b]
    knownHostsFile: hosts
    proxyJump: bastion
`);
    expect(nodes).toEqual([
      {
        name: 'pool1-0',
        host: '10.224.0.4',
        user: 'azureuser',
        identityFiles: ['/home/op/.ssh/aks'],
        groups: ['pool1'],
        file: '/inv/fleet.yaml',
        line: 6,
      },
      {
        name: 'pool1-1',
        host: 'pool1-1',
        port: 2222,
        user: 'root',
        identityFiles: ['/inv/keys/a', '/abs/b'],
        knownHostsFiles: ['/inv/hosts'],
        proxyJump: 'bastion',
        groups: [],
        file: '/inv/fleet.yaml',
        line: 9,
      },
    ]);
  });

  it('points at the offending value with file:line:col and the path', () => {
    const err = errorOf('nodes:\n  - name: a\n  - name: b\n    port: "22"\n');
    expect(err.message).toMatch(/^\/inv\/fleet\.yaml:4:11: nodes\[1\]\.port: .*expected number/);
    expect([err.file, err.line]).toEqual(['/inv/fleet.yaml', 4]);
  });

  it('names an unknown key (a typo) and what is allowed', () => {
    const err = errorOf('nodes:\n  - name: a\n    identity_file: k\n');
    expect(err.message).toContain('/inv/fleet.yaml:3:5: nodes[0].identity_file: unknown key "identity_file" (allowed: name, host,');
  });

  it('reports every problem, not just the first', () => {
    const err = errorOf('nodes:\n  - host: a\n  - name: b\n    port: 0\n');
    expect(err.message.split('\n')).toHaveLength(2);
    expect(err.message).toContain(':2:5: nodes[0].name: required, but missing');
    expect(err.message).toContain(':4:11: nodes[1].port:');
  });

  it('refuses duplicate names, naming both places', () => {
    const err = errorOf('nodes:\n  - name: a\n  - name: b\n  - name: A\n');
    expect(err.message).toBe('/inv/fleet.yaml:4: nodes[2].name: duplicate node name "A" (first defined at line 2)');
  });

  it('refuses broken YAML with its position', () => {
    expect(errorOf('nodes:\n  - name: a\n   bad: [\n').message).toMatch(/^\/inv\/fleet\.yaml:3:\d+: invalid YAML: [^\n]*indicator$/);
  });

  it('refuses an empty inventory or one without nodes', () => {
    expect(errorOf('').message).toBe('/inv/fleet.yaml: the inventory is empty; it needs a "nodes:" list');
    expect(errorOf('nodes: {a: 1}\n').message).toMatch(/^\/inv\/fleet\.yaml:1:8: nodes: .*expected array/);
    expect(errorOf('nodes: []\n').message).toContain('nodes: the inventory lists no nodes');
  });

  it('refuses shell characters in hosts and users', () => {
    expect(errorOf('nodes:\n  - name: a\n    host: "a;reboot"\n').message).toContain(
      ':3:11: nodes[0].host: host must be a single word',
    );
  });
});

describe('resolveTargets with an inventory', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kf-inv-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('combines inventory and --hosts, with ssh_config filling what the inventory leaves out', async () => {
    const inv = join(dir, 'inv.yaml');
    const cfg = join(dir, 'config');
    writeFileSync(inv, 'nodes:\n  - name: n1\n    host: n1.alias\n    groups: [a]\n  - name: n2\n    user: admin\n    groups: [b]\n');
    writeFileSync(cfg, 'Host n1.alias n2\n  HostName 10.0.0.%h\n  User cfguser\n  Port 2200\n');
    const targets = await resolveTargets({ inventory: inv, sshConfig: cfg, hosts: ['other:2201'] });
    expect(targets.map((t) => `${t.name}=${t.user}@${t.host}:${t.port}`)).toEqual([
      'n1=cfguser@10.0.0.n1.alias:2200',
      'n2=admin@10.0.0.n2:2200',
      'other:2201=' + `${targets[2]?.user}@other:2201`,
    ]);
    const onlyB = await resolveTargets({ inventory: inv, sshConfig: cfg, groups: ['b'] });
    expect(onlyB.map((t) => t.name)).toEqual(['n2']);
    await expect(resolveTargets({ inventory: inv, sshConfig: cfg, groups: ['c'] })).rejects.toThrow(
      `${inv}: no node is in group "c" (groups: a, b)`,
    );
  });

  it('refuses the same node twice, by name or by address', async () => {
    const inv = join(dir, 'dup.yaml');
    const cfg = join(dir, 'empty');
    writeFileSync(cfg, '');
    writeFileSync(inv, 'nodes:\n  - name: web\n    host: 10.0.0.9\n');
    await expect(resolveTargets({ inventory: inv, sshConfig: cfg, hosts: ['web'] })).rejects.toThrow(
      `node "web" is listed twice (${inv}:2 and --hosts web)`,
    );
    await expect(resolveTargets({ inventory: inv, sshConfig: cfg, hosts: ['root@10.0.0.9:22'] })).rejects.toThrow(
      'nodes "web" and "10.0.0.9:22" are the same machine (10.0.0.9:22)',
    );
    await expect(resolveTargets({ sshConfig: cfg, hosts: ['a,b', 'a'] })).rejects.toThrow('node "a" is listed twice');
  });

  it('needs at least one node', async () => {
    await expect(resolveTargets({ hosts: [' , '] })).rejects.toThrow('no nodes given');
  });

  it('names a missing inventory file', async () => {
    await expect(resolveTargets({ inventory: join(dir, 'nope.yaml') })).rejects.toThrow(/cannot read inventory .*nope\.yaml/);
  });
});
