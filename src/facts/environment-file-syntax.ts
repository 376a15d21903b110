/**
 * The syntax of an EnvironmentFile= file: systemd's parse_env_file_internal() (src/basic/env-file.c),
 * character for character, keeping for every value character the offsets it came from so that an
 * edit can replace exactly a value's bytes. Its rules differ from the shell's and from
 * Environment=: quotes count only at the start of the value or right after a closing quote
 * (elsewhere they are literal), `\` escapes any character outside quotes and only `"\`$` inside
 * double quotes, a backslash-newline continues the value, trailing blanks of an unquoted value are
 * dropped, `#`/`;` start a comment only at the start of a line, and "\r" ends a line.
 * Only the line bookkeeping is ours (systemd's own line counter is off by one and skips blank lines).
 */
import type { SourceChar } from './systemd-words.js';

export interface EnvFileAssignment {
  /** As written, trailing blanks removed; it may be an invalid name (see validName). */
  key: string;
  /** systemd keeps only valid names (strv_env_clean_with_callback); others are logged and dropped. */
  validName: boolean;
  /** Line where the assignment starts, and where it ends (values may span lines). */
  line: number;
  endLine: number;
  value: SourceChar[];
  /** Offset just after the `=`. */
  valueStart: number;
  /** Offset just after the first opening quote of the value, if it has one (where an empty "" value is filled in). */
  firstQuoteInside?: number;
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

/** Every assignment of the file in order (a later one of the same key wins), and what systemd logs. */
export function envFileAssignments(
  file: string,
  content: string,
  opts: EnvironmentFileOptions = {},
): { assignments: EnvFileAssignment[]; warnings: string[] } {
  const assignments: EnvFileAssignment[] = [];
  const warnings: string[] = [];
  const oldCommentEscape = opts.systemdVersion !== undefined && opts.systemdVersion < 254;
  let state: State = 'PRE_KEY';
  let key = '';
  let value: SourceChar[] = [];
  let valueStart = 0;
  let firstQuoteInside: number | undefined;
  let escapeStart = 0;
  let lastKeyWs = -1;
  let lastValueWs = -1;
  let line = 1;
  let startLine = 1;
  let commentLine = 0;

  const push = (endLine: number, trimUnquoted: boolean): void => {
    const k = lastKeyWs >= 0 ? key.slice(0, lastKeyWs) : key;
    const v = trimUnquoted && lastValueWs >= 0 ? value.slice(0, lastValueWs) : value;
    const validName = isValidEnvName(k);
    if (!validName) {
      const hint = k.startsWith('export ') ? ' (systemd does not accept "export")' : '';
      warnings.push(`${file}:${startLine}: ignoring invalid environment assignment '${k}=${v.map((c) => c.ch).join('')}'${hint}`);
    }
    assignments.push({
      key: k, validName, line: startLine, endLine, value: v, valueStart,
      ...(firstQuoteInside === undefined ? {} : { firstQuoteInside }),
    });
    key = '';
  };

  for (let i = 0; i < content.length; i++) {
    const c = content[i] as string;
    const append = (ch: string, quote: SourceChar['quote'], start = i): void => {
      value.push({ ch, start, end: i + 1, quote });
    };
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
          value = [];
          valueStart = i + 1;
          firstQuoteInside = undefined;
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
          push(thisLine, false);
        } else if (c === "'" || c === '"') {
          state = c === "'" ? 'SINGLE_QUOTE_VALUE' : 'DOUBLE_QUOTE_VALUE';
          firstQuoteInside ??= i + 1;
        } else if (c === '\\') {
          state = 'VALUE_ESCAPE';
          escapeStart = i;
        } else if (!WHITESPACE.includes(c)) {
          state = 'VALUE';
          append(c, null);
        }
        break;
      case 'VALUE':
        if (isNewline) {
          state = 'PRE_KEY';
          push(thisLine, true);
        } else if (c === '\\') {
          state = 'VALUE_ESCAPE';
          escapeStart = i;
          lastValueWs = -1;
        } else {
          if (!WHITESPACE.includes(c)) lastValueWs = -1;
          else if (lastValueWs < 0) lastValueWs = value.length;
          append(c, null);
        }
        break;
      case 'VALUE_ESCAPE':
        state = 'VALUE';
        // systemd eats the escaped newline character itself; with CRLF only the "\r" is eaten
        // and the "\n" then ends the value: lines are NOT joined in a CRLF file.
        if (c === '\r' && content[i + 1] === '\n') {
          warnings.push(`${file}:${thisLine}: backslash before a CRLF line end: systemd does not join the next line`);
        }
        if (!isNewline) append(c, null, escapeStart);
        break;
      case 'SINGLE_QUOTE_VALUE':
        if (c === "'") state = 'PRE_VALUE';
        else append(c, "'");
        break;
      case 'DOUBLE_QUOTE_VALUE':
        if (c === '"') state = 'PRE_VALUE';
        else if (c === '\\') {
          state = 'DOUBLE_QUOTE_VALUE_ESCAPE';
          escapeStart = i;
        } else append(c, '"');
        break;
      case 'DOUBLE_QUOTE_VALUE_ESCAPE':
        state = 'DOUBLE_QUOTE_VALUE';
        if (SHELL_NEED_ESCAPE.includes(c)) append(c, '"', escapeStart);
        else if (c !== '\n') {
          value.push({ ch: '\\', start: escapeStart, end: i, quote: '"' });
          append(c, '"');
        }
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
    if (state !== 'PRE_VALUE' && state !== 'VALUE' && state !== 'VALUE_ESCAPE') {
      warnings.push(`${file}:${startLine}: unterminated quote in the value of ${key.trim()} (systemd keeps what was read)`);
    }
    push(content.endsWith('\n') || content.endsWith('\r') ? line - 1 : line, state === 'VALUE');
  } else if (state === 'KEY') {
    warnings.push(`${file}:${startLine}: ignoring line without '=': ${key.trim()}`);
  }
  return { assignments, warnings };
}
