import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { TargetError } from './errors.js';
import { matchesGlob, matchesPatternList } from './host-pattern.js';

/**
 * The subset of ssh_config(5) kubelet-fix honours, evaluated the way OpenSSH does: blocks apply
 * when a `Host` pattern list (or a supported `Match`) accepts the name typed by the user, and for
 * each keyword the FIRST value obtained wins, except IdentityFile, which accumulates.
 */
export type StrictHostKeyChecking = 'yes' | 'accept-new' | 'no';

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

type ConfigNode =
  | { kind: 'directive'; keyword: string; args: string[]; file: string; line: number }
  | { kind: 'include'; nodes: ConfigNode[]; file: string; line: number };

export interface SshConfig {
  nodes: ConfigNode[];
}

export interface ParseOptions {
  /** Relative Include paths are looked up in ~/.ssh, as for any user config (OpenSSH -F too). */
  home: string;
}

const MAX_INCLUDE_DEPTH = 16;

export function parseSshConfig(text: string, file: string, options: ParseOptions): SshConfig {
  return { nodes: parseNodes(text, file, options, 0) };
}

/** Reads `file` (and its Includes). Whether a missing file is an error is the caller's call. */
export function loadSshConfig(file: string, options: ParseOptions): SshConfig {
  return parseSshConfig(readFileSync(file, 'utf8'), file, options);
}

function parseNodes(text: string, file: string, options: ParseOptions, depth: number): ConfigNode[] {
  const nodes: ConfigNode[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const words = splitLine(raw, file, line);
    const [keywordRaw, ...args] = words;
    if (keywordRaw === undefined) return;
    const keyword = keywordRaw.toLowerCase();
    const fail = (why: string): never => {
      throw new TargetError(`${file}:${line}: ${keywordRaw}: ${why}`, file, line);
    };
    if (args.length === 0) fail('missing argument');
    if (keyword === 'include') {
      if (depth >= MAX_INCLUDE_DEPTH) fail(`Include nested more than ${MAX_INCLUDE_DEPTH} deep`);
      const included: ConfigNode[] = [];
      for (const pattern of args) {
        for (const path of globPaths(includePath(pattern, options.home))) {
          included.push(...parseNodes(readFileSync(path, 'utf8'), path, options, depth + 1));
        }
      }
      nodes.push({ kind: 'include', nodes: included, file, line });
      return;
    }
    validate(keyword, args, fail);
    nodes.push({ kind: 'directive', keyword, args, file, line });
  });
  return nodes;
}

function validate(keyword: string, args: string[], fail: (why: string) => never): void {
  const value = args[0] ?? '';
  switch (keyword) {
    case 'port':
      if (parsePort(value) === undefined) fail(`"${value}" is not a port number (1-65535)`);
      break;
    case 'stricthostkeychecking':
      if (parseStrict(value) === undefined) fail(`"${value}" must be yes, no, accept-new, ask or off`);
      break;
  }
}

export function parsePort(value: string): number | undefined {
  if (!/^\d{1,5}$/.test(value)) return undefined;
  const port = Number(value);
  return port >= 1 && port <= 65535 ? port : undefined;
}

function parseStrict(value: string): StrictHostKeyChecking | undefined {
  switch (value.toLowerCase()) {
    case 'yes':
    case 'true':
    case 'ask': // no prompt here: refusing is what "ask" amounts to without a terminal
      return 'yes';
    case 'accept-new':
      return 'accept-new';
    case 'no':
    case 'false':
    case 'off':
      return 'no';
    default:
      return undefined;
  }
}

/**
 * OpenSSH argv_split: whitespace-separated words, "double" or 'single' quotes, backslash escaping
 * a quote, backslash or space, and an unquoted `#` starting a word begins a comment. The keyword
 * may also be separated from its value by one `=`.
 */
function splitLine(raw: string, file: string, line: number): string[] {
  const text = raw.replace(/^\s+/, '');
  const eq = /^([A-Za-z0-9]+)\s*=\s*/.exec(text);
  const rest = eq ? `${eq[1]} ${text.slice(eq[0].length)}` : text;
  const words: string[] = [];
  let i = 0;
  while (i < rest.length) {
    while (i < rest.length && /\s/.test(rest[i] as string)) i++;
    if (i >= rest.length || rest[i] === '#') break;
    let word = '';
    let quote: string | undefined;
    for (; i < rest.length; i++) {
      const c = rest[i] as string;
      if (c === '\\' && i + 1 < rest.length && /["'\\ ]/.test(rest[i + 1] as string)) {
        word += rest[++i];
      } else if (quote !== undefined) {
        if (c === quote) quote = undefined;
        else word += c;
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (/\s/.test(c)) {
        break;
      } else {
        word += c;
      }
    }
    if (quote !== undefined) throw new TargetError(`${file}:${line}: unterminated quote`, file, line);
    words.push(word);
  }
  return words;
}

function includePath(pattern: string, home: string): string {
  const expanded = expandTilde(pattern, home);
  return isAbsolute(expanded) ? expanded : join(home, '.ssh', expanded);
}

/** glob(3) for Include: `*`/`?` in any component, dotfiles only when spelled out, sorted. */
function globPaths(pattern: string): string[] {
  if (!/[*?]/.test(pattern)) return existsSync(pattern) ? [pattern] : [];
  let current = ['/'];
  for (const part of pattern.split('/').filter(Boolean)) {
    if (!/[*?]/.test(part)) {
      current = current.map((dir) => join(dir, part));
      continue;
    }
    current = current.flatMap((dir) => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return [];
      }
      return names
        .filter((n) => (part.startsWith('.') || !n.startsWith('.')) && matchesGlob(n, part, true))
        .sort()
        .map((n) => join(dir, n));
    });
  }
  return current.filter((p) => existsSync(p));
}

export function expandTilde(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
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
