import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { TargetError } from './errors.js';
import { matchesGlob } from './host-pattern.js';

/**
 * Reading ssh_config(5) files: OpenSSH's word splitting and quoting, `Key=Value`, comments, and
 * Include (globs, relative to ~/.ssh). Values that are wrong whatever the host (a bad Port) fail
 * here with file:line; what applies to which host is ssh-config.ts's business.
 */
export type StrictHostKeyChecking = 'yes' | 'accept-new' | 'no';

export type ConfigNode =
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
          included.push(...parseNodes(readIncluded(path, fail), path, options, depth + 1));
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

export function parseStrict(value: string): StrictHostKeyChecking | undefined {
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

function readIncluded(path: string, fail: (why: string) => never): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    return fail(`cannot read ${path}: ${(err as Error).message}`);
  }
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

