/**
 * Environment assignments as systemd reads them:
 * - EnvironmentFile= contents: parse_env_file_internal() / load_env_file() in src/basic/env-file.c,
 *   then strv_env_clean_with_callback() (execute.c), which drops invalid names with
 *   "Ignoring invalid environment assignment". So `export FOO=bar` is NOT accepted: the key is
 *   "export FOO", which is not a valid name, and the line is ignored.
 * - Environment= values: config_parse_environ() (load-fragment.c): words split by
 *   extract_first_word(EXTRACT_CUNESCAPE|EXTRACT_UNQUOTE), each must be NAME=VALUE.
 */
import { extractWords } from './systemd-words.js';
import { expandSpecifiers } from './unit-specifiers.js';

export interface EnvAssignment {
  variable: string;
  value: string;
  file: string;
  /** Line where the assignment starts, and where it ends (values may span lines). */
  line: number;
  endLine: number;
}

export interface ParsedEnvironmentFile {
  /** Every valid assignment in file order; a later one for the same variable wins. */
  assignments: EnvAssignment[];
  warnings: string[];
}

export interface EnvironmentFileOptions {
  /**
   * Before systemd 254 a comment line ending in a backslash also swallowed the next line
   * (COMMENT_ESCAPE stayed in the comment). Unknown version = current behaviour, with a warning.
   */
  systemdVersion?: number;
}

const NEWLINE = '\n\r';
const WHITESPACE = ' \t\n\r';
const COMMENTS = '#;';
// SHELL_NEED_ESCAPE: inside double quotes, a backslash only escapes these (like sh); otherwise kept.
const SHELL_NEED_ESCAPE = '"\\`$';

export function isValidEnvName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

type State =
  | 'PRE_KEY' | 'KEY' | 'PRE_VALUE' | 'VALUE' | 'VALUE_ESCAPE'
  | 'SINGLE_QUOTE_VALUE' | 'DOUBLE_QUOTE_VALUE' | 'DOUBLE_QUOTE_VALUE_ESCAPE'
  | 'COMMENT' | 'COMMENT_ESCAPE';

/**
 * Parse an EnvironmentFile= file. The state machine is systemd's, character for character; only
 * the line bookkeeping is ours (systemd's own line counter is off by one and skips blank lines).
 */
export function parseEnvironmentFile(file: string, content: string, opts: EnvironmentFileOptions = {}): ParsedEnvironmentFile {
  const assignments: EnvAssignment[] = [];
  const warnings: string[] = [];
  const oldCommentEscape = opts.systemdVersion !== undefined && opts.systemdVersion < 254;
  let state: State = 'PRE_KEY';
  let key = '';
  let value: string | null = null;
  let lastKeyWs = -1;
  let lastValueWs = -1;
  let line = 1;
  let startLine = 1;
  let commentLine = 0;

  const push = (endLine: number): void => {
    let k = key;
    if (lastKeyWs >= 0) k = k.slice(0, lastKeyWs);
    const v = value ?? '';
    if (!isValidEnvName(k)) {
      const hint = k.startsWith('export ') ? ' (systemd does not accept "export")' : '';
      warnings.push(`${file}:${startLine}: ignoring invalid environment assignment '${k}=${v}'${hint}`);
    } else {
      assignments.push({ variable: k, value: v, file, line: startLine, endLine });
    }
    key = '';
    value = null;
  };
  const appendValue = (c: string): void => {
    value = (value ?? '') + c;
  };

  for (let i = 0; i < content.length; i++) {
    const c = content[i] as string;
    // "\r\n" is one line for our numbering; systemd treats the "\r" as the terminator and then
    // skips the "\n" as whitespace, which yields the same assignments.
    const isNewline = NEWLINE.includes(c);
    const endsPhysicalLine = c === '\n' || (c === '\r' && content[i + 1] !== '\n');
    const thisLine = line;
    if (endsPhysicalLine) line++;

    switch (state) {
      case 'PRE_KEY':
        if (COMMENTS.includes(c)) {
          state = 'COMMENT';
          commentLine = thisLine;
        } else if (!WHITESPACE.includes(c)) {
          state = 'KEY';
          lastKeyWs = -1;
          key = c;
          startLine = thisLine;
        }
        break;
      case 'KEY':
        if (isNewline) {
          warnings.push(`${file}:${startLine}: ignoring line without '=': ${key.trim()}`);
          state = 'PRE_KEY';
          key = '';
        } else if (c === '=') {
          state = 'PRE_VALUE';
          lastValueWs = -1;
        } else {
          if (!WHITESPACE.includes(c)) lastKeyWs = -1;
          else if (lastKeyWs < 0) lastKeyWs = key.length;
          key += c;
        }
        break;
      case 'PRE_VALUE':
        if (isNewline) {
          state = 'PRE_KEY';
          push(thisLine);
        } else if (c === "'") state = 'SINGLE_QUOTE_VALUE';
        else if (c === '"') state = 'DOUBLE_QUOTE_VALUE';
        else if (c === '\\') state = 'VALUE_ESCAPE';
        else if (!WHITESPACE.includes(c)) {
          state = 'VALUE';
          appendValue(c);
        }
        break;
      case 'VALUE':
        if (isNewline) {
          state = 'PRE_KEY';
          if (lastValueWs >= 0 && value !== null) value = (value as string).slice(0, lastValueWs);
          push(thisLine);
        } else if (c === '\\') {
          state = 'VALUE_ESCAPE';
          lastValueWs = -1;
        } else {
          if (!WHITESPACE.includes(c)) lastValueWs = -1;
          else if (lastValueWs < 0) lastValueWs = (value ?? '').length;
          appendValue(c);
        }
        break;
      case 'VALUE_ESCAPE':
        state = 'VALUE';
        // systemd eats the escaped newline character itself; with CRLF only the "\r" is eaten
        // and the "\n" then ends the value: lines are NOT joined in a CRLF file.
        if (c === '\r' && content[i + 1] === '\n') {
          warnings.push(`${file}:${thisLine}: backslash before a CRLF line end: systemd does not join the next line`);
        }
        if (!isNewline) appendValue(c);
        break;
      case 'SINGLE_QUOTE_VALUE':
        if (c === "'") state = 'PRE_VALUE';
        else appendValue(c);
        break;
      case 'DOUBLE_QUOTE_VALUE':
        if (c === '"') state = 'PRE_VALUE';
        else if (c === '\\') state = 'DOUBLE_QUOTE_VALUE_ESCAPE';
        else appendValue(c);
        break;
      case 'DOUBLE_QUOTE_VALUE_ESCAPE':
        state = 'DOUBLE_QUOTE_VALUE';
        if (SHELL_NEED_ESCAPE.includes(c)) appendValue(c);
        else if (c !== '\n') appendValue(`\\${c}`);
        break;
      case 'COMMENT':
        if (c === '\\') state = 'COMMENT_ESCAPE';
        else if (isNewline) state = 'PRE_KEY';
        break;
      case 'COMMENT_ESCAPE': {
        if (isNewline) {
          if (oldCommentEscape) {
            state = 'COMMENT';
          } else {
            state = 'PRE_KEY';
            if (opts.systemdVersion === undefined && c === '\n') {
              warnings.push(
                `${file}:${commentLine}: comment line ends with a backslash: systemd older than 254 also treats line ${thisLine + 1} as a comment`,
              );
            }
          }
        } else state = 'COMMENT';
        break;
      }
    }
  }

  if (state === 'PRE_VALUE' || state === 'VALUE' || state === 'VALUE_ESCAPE' || state === 'SINGLE_QUOTE_VALUE' ||
      state === 'DOUBLE_QUOTE_VALUE' || state === 'DOUBLE_QUOTE_VALUE_ESCAPE') {
    if (state === 'VALUE' && lastValueWs >= 0 && value !== null) value = (value as string).slice(0, lastValueWs);
    if (state !== 'PRE_VALUE' && state !== 'VALUE' && state !== 'VALUE_ESCAPE') {
      warnings.push(`${file}:${startLine}: unterminated quote in the value of ${key.trim()} (systemd keeps what was read)`);
    }
    push(content.endsWith('\n') || content.endsWith('\r') ? line - 1 : line);
  } else if (state === 'KEY') {
    warnings.push(`${file}:${startLine}: ignoring line without '=': ${key.trim()}`);
  }
  return { assignments, warnings };
}

export interface ParsedEnvironmentDirective {
  /** Empty `Environment=` resets every earlier assignment. */
  reset: boolean;
  assignments: EnvAssignment[];
  /** Messages systemd logs for this line (invalid words, bad quoting), with file:line. */
  warnings: string[];
}

/**
 * One `Environment=` line. `lineOfOffset` maps an offset in rawValue to the physical line it is
 * written on (continued lines); by default every assignment is on `line`.
 */
export function parseEnvironmentDirective(
  file: string,
  line: number,
  rawValue: string,
  opts: { unitName?: string; lineOfOffset?: (offset: number) => number } = {},
): ParsedEnvironmentDirective {
  const warnings: string[] = [];
  if (rawValue.trim() === '') return { reset: true, assignments: [], warnings };
  const r = extractWords(rawValue, { unquote: true, cunescape: true, relax: false });
  const where = (offset: number): number => opts.lineOfOffset?.(offset) ?? line;
  for (const w of r.warnings) warnings.push(`${file}:${line}: ${w}`);
  if (!r.ok) warnings.push(`${file}:${where(r.errorAt)}: invalid syntax in Environment=, ignoring the rest of the line (${r.error}): ${rawValue}`);
  const assignments: EnvAssignment[] = [];
  for (const w of r.words) {
    const at = where(w.start);
    const expanded = expandSpecifiers(w.value, opts.unitName ?? 'kubelet.service');
    if (expanded.error) {
      warnings.push(`${file}:${at}: failed to resolve unit specifiers in ${w.value} (${expanded.error}), ignoring`);
      continue;
    }
    if (expanded.unresolved.length > 0) {
      warnings.push(`${file}:${at}: ${expanded.unresolved.join(', ')} in Environment= depends on the host and is not predicted`);
    }
    const eq = expanded.value.indexOf('=');
    const name = eq < 0 ? '' : expanded.value.slice(0, eq);
    if (eq < 0 || !isValidEnvName(name)) {
      warnings.push(`${file}:${at}: invalid environment assignment, ignoring: ${expanded.value}`);
      continue;
    }
    assignments.push({ variable: name, value: expanded.value.slice(eq + 1), file, line: at, endLine: at });
  }
  return { reset: false, assignments, warnings };
}
