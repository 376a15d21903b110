import { TargetError } from './errors.js';
import { matchesPatternList } from './host-pattern.js';
import { expandTilde, parsePort, parseStrict, type ConfigNode, type SshConfig, type StrictHostKeyChecking } from './ssh-config-file.js';

/**
 * The subset of ssh_config(5) kubelet-fix honours, evaluated the way OpenSSH does: blocks apply
 * when a `Host` pattern list (or a supported `Match`) accepts the name typed by the user, and for
 * each keyword the FIRST value obtained wins, except IdentityFile, which accumulates.
 */
export interface HostConfig {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  userKnownHostsFiles?: string[];
  globalKnownHostsFiles?: string[];
  strictHostKeyChecking?: StrictHostKeyChecking;
  /** Raw ProxyJump value: a comma-separated chain, or "none". */
  proxyJump?: string;
  identityAgent?: string;
  identitiesOnly?: boolean;
}

export interface ResolveContext {
  /** Remote user known before config evaluation (from `user@host`), for `Match user`. */
  user?: string;
  localUser: string;
}

/** Evaluates the config for the name the user typed (an alias, host name or address). */
export function resolveHostConfig(config: SshConfig, host: string, ctx: ResolveContext): HostConfig {
  const result: HostConfig = { identityFiles: [] };
  const seen = new Set<string>();
  const walk = (nodes: ConfigNode[], startActive: boolean): void => {
    let active = startActive;
    for (const node of nodes) {
      if (node.kind === 'include') {
        // An Include inside a non-matching block contributes nothing (OpenSSH SSHCONF_NEVERMATCH).
        if (active) walk(node.nodes, true);
        continue;
      }
      if (node.keyword === 'host') {
        active = matchesPatternList(host, node.args);
      } else if (node.keyword === 'match') {
        active = evaluateMatch(node, host, result, ctx);
      } else if (active) {
        apply(result, seen, node);
      }
    }
  };
  walk(config.nodes, true);
  return result;
}

type Directive = Extract<ConfigNode, { kind: 'directive' }>;

function unsupported(node: Directive, what: string): never {
  throw new TargetError(`${node.file}:${node.line}: ${what} is not supported by kubelet-fix`, node.file, node.line);
}

/**
 * Criteria are ANDed and evaluation stops at the first false one, so an unsupported criterion
 * (exec, canonical, ...) only fails a run when it could actually decide the block for this host.
 */
function evaluateMatch(node: Directive, host: string, sofar: HostConfig, ctx: ResolveContext): boolean {
  const args = node.args;
  for (let i = 0; i < args.length; i++) {
    const word = (args[i] as string).toLowerCase();
    const negated = word.startsWith('!');
    const criterion = negated ? word.slice(1) : word;
    let result: boolean;
    if (criterion === 'all') {
      result = true;
    } else if (!['host', 'originalhost', 'user', 'localuser'].includes(criterion)) {
      unsupported(node, `Match ${criterion}`);
    } else {
      const patterns = (args[++i] ?? '').split(',');
      const subject =
        criterion === 'host'
          ? sofar.hostName !== undefined
            ? expandHostName(sofar.hostName, host)
            : host
          : criterion === 'originalhost'
            ? host
            : criterion === 'user'
              ? (ctx.user ?? sofar.user ?? ctx.localUser)
              : ctx.localUser;
      result = matchesPatternList(subject, patterns);
    }
    if (result === negated) return false;
  }
  return true;
}

function apply(result: HostConfig, seen: Set<string>, node: Directive): void {
  const { keyword, args } = node;
  const value = args[0] as string;
  if (keyword === 'identityfile') {
    result.identityFiles.push(value);
    return;
  }
  if (seen.has(keyword)) return; // first obtained value wins
  switch (keyword) {
    case 'hostname':
      result.hostName = value;
      break;
    case 'user':
      result.user = value;
      break;
    case 'port':
      result.port = parsePort(value) as number;
      break;
    case 'userknownhostsfile':
      result.userKnownHostsFiles = value.toLowerCase() === 'none' ? [] : args;
      break;
    case 'globalknownhostsfile':
      result.globalKnownHostsFiles = value.toLowerCase() === 'none' ? [] : args;
      break;
    case 'stricthostkeychecking':
      result.strictHostKeyChecking = parseStrict(value) as StrictHostKeyChecking;
      break;
    case 'proxyjump':
      result.proxyJump = value;
      break;
    case 'identityagent':
      result.identityAgent = value;
      break;
    case 'identitiesonly':
      result.identitiesOnly = value.toLowerCase() === 'yes';
      break;
    case 'proxycommand':
      if (value.toLowerCase() !== 'none') unsupported(node, 'ProxyCommand (use ProxyJump)');
      break;
    default:
      return; // keywords kubelet-fix has no use for
  }
  seen.add(keyword);
}

export interface TokenValues {
  home: string;
  localUser: string;
  /** %h: the host name actually connected to (after HostName). */
  hostName: string;
  /** %n: the name as typed. */
  originalHost: string;
  port: number;
  remoteUser: string;
  localHostName: string;
}

/** ssh_config TOKENS for path-like values (IdentityFile, UserKnownHostsFile, IdentityAgent), plus `~`. */
export function expandPathTokens(value: string, t: TokenValues, keyword: string): string {
  const expanded = value.replace(/%(.)/g, (_, token: string) => {
    switch (token) {
      case '%':
        return '%';
      case 'd':
        return t.home;
      case 'h':
        return t.hostName;
      case 'n':
        return t.originalHost;
      case 'p':
        return String(t.port);
      case 'r':
        return t.remoteUser;
      case 'u':
        return t.localUser;
      case 'l':
        return t.localHostName;
      default:
        throw new TargetError(`${keyword} ${value}: the %${token} token is not supported by kubelet-fix`);
    }
  });
  return expandTilde(expanded, t.home);
}

/** HostName accepts only %h (the typed name) and %%. */
export function expandHostName(value: string, originalHost: string): string {
  return value.replace(/%(.)/g, (whole, token: string) =>
    token === 'h' ? originalHost : token === '%' ? '%' : whole,
  );
}
