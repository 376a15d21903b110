import { readFileSync } from 'node:fs';
import { hostname, homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { TargetError } from './errors.js';
import { formatHostPort, parseHostSpec } from './host-spec.js';
import { loadInventory, selectGroups, type InventoryNode } from './inventory.js';
import { expandHostName, expandPathTokens, resolveHostConfig } from './ssh-config.js';
import { parseSshConfig, type SshConfig, type StrictHostKeyChecking } from './ssh-config-file.js';
import type { NodeTarget } from './transport.js';

export interface ResolveTargetsOptions {
  /** `--hosts` entries: `[user@]host[:port]` or ssh_config aliases; an entry may hold several, comma-separated. */
  hosts?: string[];
  /** `--inventory` YAML file (see inventory.ts for the schema). */
  inventory?: string;
  /** Only inventory nodes in one of these groups. */
  groups?: string[];
  /** `--ssh-config`: default ~/.ssh/config, which may be missing; an explicit file must exist. */
  sshConfig?: string;
  /** User when neither the host entry, the inventory nor ssh_config names one (else the local user). */
  defaultUser?: string;
  /** When given, overrides ssh_config's StrictHostKeyChecking, as `ssh -o` would. */
  strictHostKeyChecking?: StrictHostKeyChecking;
}

interface Environment {
  home: string;
  localUser: string;
  localHostName: string;
  agentSocket?: string;
}

/** What the user said about one node, before ssh_config fills the gaps. */
interface Requested {
  name: string;
  host: string;
  port?: number;
  user?: string;
  identityFiles?: string[];
  knownHostsFiles?: string[];
  proxyJump?: string;
  /** Where it came from, for error messages. */
  origin: string;
}

const MAX_JUMP_DEPTH = 8;

/**
 * Turns `--hosts` and `--inventory` into connectable targets with OpenSSH precedence: what the
 * user typed (user@, :port) or the inventory says wins over ssh_config, which wins over defaults.
 * Two entries with one name, or two names for one host:port, are refused: running a fix twice
 * on one node at the same time could interleave its edits.
 */
export async function resolveTargets(opts: ResolveTargetsOptions): Promise<NodeTarget[]> {
  const env: Environment = {
    home: homedir(),
    localUser: userInfo().username,
    localHostName: hostname(),
    ...(process.env.SSH_AUTH_SOCK ? { agentSocket: process.env.SSH_AUTH_SOCK } : {}),
  };
  const config = readSshConfig(opts.sshConfig, env.home);

  const requested: Requested[] = [];
  if (opts.inventory !== undefined) {
    let nodes: InventoryNode[] = await loadInventory(opts.inventory, env.home);
    if (opts.groups?.length) nodes = selectGroups(nodes, opts.groups, opts.inventory);
    requested.push(...nodes.map((n) => ({ ...n, origin: `${n.file}:${n.line}` })));
  } else if (opts.groups?.length) {
    throw new TargetError('node groups need an inventory (--inventory FILE)');
  }
  for (const entry of (opts.hosts ?? []).flatMap((h) => h.split(','))) {
    if (entry.trim() === '') continue;
    const spec = parseHostSpec(entry);
    requested.push({ ...spec, name: formatHostPort(spec.host, spec.port), origin: `--hosts ${entry.trim()}` });
  }
  if (requested.length === 0) {
    throw new TargetError('no nodes given: pass --hosts HOST[,HOST...] or --inventory FILE');
  }

  const targets = requested.map((r) => buildTarget(r, config, env, opts, 0));
  refuseDuplicates(targets, requested);
  return targets;
}

function readSshConfig(explicit: string | undefined, home: string): SshConfig {
  const file = explicit ?? join(home, '.ssh', 'config');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && explicit === undefined) return { nodes: [] };
    throw new TargetError(`cannot read ssh config ${file}: ${(err as Error).message}`, file);
  }
  return parseSshConfig(text, file, { home });
}

function buildTarget(
  req: Requested,
  config: SshConfig,
  env: Environment,
  opts: ResolveTargetsOptions,
  depth: number,
): NodeTarget {
  const cfg = resolveHostConfig(config, req.host, { localUser: env.localUser, ...(req.user ? { user: req.user } : {}) });
  const host = cfg.hostName !== undefined ? expandHostName(cfg.hostName, req.host) : req.host;
  const port = req.port ?? cfg.port ?? 22;
  const user = req.user ?? cfg.user ?? opts.defaultUser ?? env.localUser;
  const tokens = {
    home: env.home,
    localUser: env.localUser,
    hostName: host,
    originalHost: req.host,
    port,
    remoteUser: user,
    localHostName: env.localHostName,
  };
  const expand = (keyword: string) => (p: string) => expandPathTokens(p, tokens, keyword);

  const configured = [...(req.identityFiles ?? []), ...cfg.identityFiles.map(expand('IdentityFile'))];
  const identityFiles = configured.length
    ? [...new Set(configured)]
    : ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(env.home, '.ssh', f));

  const knownHostsFiles = req.knownHostsFiles ?? [
    ...(cfg.userKnownHostsFiles ?? ['~/.ssh/known_hosts', '~/.ssh/known_hosts2']).map(expand('UserKnownHostsFile')),
    ...(cfg.globalKnownHostsFiles ?? ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']).map(
      expand('GlobalKnownHostsFile'),
    ),
  ];

  const agent = agentSocket(cfg.identityAgent, env, expand('IdentityAgent'));
  const target: NodeTarget = {
    name: req.name,
    host,
    port,
    user,
    identityFiles,
    knownHostsFiles,
    strictHostKeyChecking: opts.strictHostKeyChecking ?? cfg.strictHostKeyChecking ?? 'yes',
    ...(agent !== undefined ? { identityAgent: agent } : {}),
    ...(cfg.identitiesOnly ? { identitiesOnly: true } : {}),
  };

  const jump = req.proxyJump ?? cfg.proxyJump;
  if (jump !== undefined && jump.toLowerCase() !== 'none' && !jumpsToItself(jump, req.host)) {
    target.proxyJump = resolveJumpChain(jump, req, config, env, opts, depth);
  }
  return target;
}

/**
 * `ProxyJump a,b`: a is reached first (through a's own ProxyJump, if its config has one, as
 * `ssh -J` would), then b through a, then the node through b.
 */
function resolveJumpChain(
  value: string,
  req: Requested,
  config: SshConfig,
  env: Environment,
  opts: ResolveTargetsOptions,
  depth: number,
): NodeTarget[] {
  if (depth >= MAX_JUMP_DEPTH) {
    throw new TargetError(`${req.origin}: ProxyJump chain for ${req.name} is longer than ${MAX_JUMP_DEPTH} hops (a loop?)`);
  }
  const chain: NodeTarget[] = [];
  value.split(',').forEach((hop, i) => {
    const spec = parseHostSpec(hop, `ProxyJump for ${req.name}`);
    const jumpReq: Requested = {
      ...spec,
      name: formatHostPort(spec.host, spec.port),
      origin: `ProxyJump of ${req.name}`,
    };
    const { proxyJump: own, ...jump } = buildTarget(jumpReq, config, env, opts, depth + 1);
    if (i === 0 && own) chain.push(...own);
    chain.push(jump);
  });
  return chain;
}

/**
 * `Host *.internal` + `ProxyJump bastion.internal` also matches the bastion itself; jumping to
 * yourself can only loop, so, for the jump host, that ProxyJump is ignored.
 */
function jumpsToItself(value: string, host: string): boolean {
  return value.split(',').some((hop) => {
    try {
      return parseHostSpec(hop).host.toLowerCase() === host.toLowerCase();
    } catch {
      return false; // reported properly when the chain is resolved
    }
  });
}

function agentSocket(
  identityAgent: string | undefined,
  env: Environment,
  expand: (p: string) => string,
): string | undefined {
  if (identityAgent === undefined) return env.agentSocket;
  if (identityAgent.toLowerCase() === 'none') return undefined;
  if (identityAgent === 'SSH_AUTH_SOCK') return env.agentSocket;
  const variable = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(identityAgent);
  if (variable) return process.env[variable[1] as string] || undefined;
  return expand(identityAgent);
}

function refuseDuplicates(targets: NodeTarget[], requested: Requested[]): void {
  const byName = new Map<string, number>();
  const byEndpoint = new Map<string, number>();
  targets.forEach((t, i) => {
    const here = requested[i] as Requested;
    const nameKey = t.name.toLowerCase();
    const sameName = byName.get(nameKey);
    if (sameName !== undefined) {
      const first = requested[sameName] as Requested;
      throw new TargetError(`node "${t.name}" is listed twice (${first.origin} and ${here.origin})`);
    }
    byName.set(nameKey, i);
    const endpoint = formatHostPort(t.host.toLowerCase(), t.port);
    const sameEndpoint = byEndpoint.get(endpoint);
    if (sameEndpoint !== undefined) {
      const first = targets[sameEndpoint] as NodeTarget;
      throw new TargetError(
        `nodes "${first.name}" and "${t.name}" are the same machine (${endpoint}); list each node once`,
      );
    }
    byEndpoint.set(endpoint, i);
  });
}
