/**
 * Reads an EnvironmentFile= file the way systemd's parse_env_file does (src/basic/env-file.c),
 * keeping for every value character the offsets it came from. Its rules differ from the shell's
 * and from Environment=: quotes count only at the start of the value or right after a closing
 * quote (elsewhere they are literal), `\` escapes any character outside quotes and only `"\`$`
 * inside double quotes, a backslash-newline continues the value, trailing blanks of an unquoted
 * value are dropped, `#`/`;` start a comment only at the start of a line, and "\r" ends a line.
 */
import type { SourceChar } from './systemd-words.js';

export interface EnvAssignment {
  key: string;
  /** Line of the key's first character (1-based). */
  line: number;
  value: SourceChar[];
  /** Offset just after the `=`. */
  valueStart: number;
  /** Offset just after the first opening quote of the value, if it has one (where an empty "" value is filled in). */
  firstQuoteInside?: number;
}

const NEWLINE = '\n\r';
const WHITESPACE = ' \t\n\r';
const SHELL_NEED_ESCAPE = '"\\`$';

type State = 'PRE_KEY' | 'KEY' | 'PRE_VALUE' | 'VALUE' | 'VALUE_ESCAPE' | 'SINGLE' | 'DOUBLE' | 'DOUBLE_ESCAPE' | 'COMMENT' | 'COMMENT_ESCAPE';

/** Every assignment of the file, in order (a later one of the same key wins in systemd). */
export function envAssignments(content: string): EnvAssignment[] {
  const out: EnvAssignment[] = [];
  let state: State = 'PRE_KEY';
  let line = 1;
  let key = '';
  let keyLine = 1;
  let keyTrailingBlank = -1;
  let value: SourceChar[] = [];
  let valueStart = 0;
  let valueTrailingBlank = -1;
  let firstQuoteInside: number | undefined;
  let escapeStart = 0;

  const push = (trimUnquoted: boolean): void => {
    const k = keyTrailingBlank >= 0 ? key.slice(0, keyTrailingBlank) : key;
    const v = trimUnquoted && valueTrailingBlank >= 0 ? value.slice(0, valueTrailingBlank) : value;
    out.push({ key: k, line: keyLine, value: v, valueStart, ...(firstQuoteInside === undefined ? {} : { firstQuoteInside }) });
  };

  for (let i = 0; i < content.length; i++) {
    const c = content[i] as string;
    const here = (ch: string, quote: SourceChar['quote'], start = i): SourceChar => ({ ch, start, end: i + 1, quote });
    switch (state) {
      case 'PRE_KEY':
        if ('#;'.includes(c)) state = 'COMMENT';
        else if (!WHITESPACE.includes(c)) {
          state = 'KEY';
          key = c;
          keyLine = line;
          keyTrailingBlank = -1;
        }
        break;
      case 'KEY':
        if (NEWLINE.includes(c)) {
          state = 'PRE_KEY';
        } else if (c === '=') {
          state = 'PRE_VALUE';
          value = [];
          valueStart = i + 1;
          valueTrailingBlank = -1;
          firstQuoteInside = undefined;
        } else {
          if (!WHITESPACE.includes(c)) keyTrailingBlank = -1;
          else if (keyTrailingBlank < 0) keyTrailingBlank = key.length;
          key += c;
        }
        break;
      case 'PRE_VALUE':
        if (NEWLINE.includes(c)) {
          state = 'PRE_KEY';
          push(false);
        } else if (c === "'" || c === '"') {
          state = c === "'" ? 'SINGLE' : 'DOUBLE';
          firstQuoteInside ??= i + 1;
        } else if (c === '\\') {
          state = 'VALUE_ESCAPE';
          escapeStart = i;
        } else if (!WHITESPACE.includes(c)) {
          state = 'VALUE';
          value.push(here(c, null));
        }
        break;
      case 'VALUE':
        if (NEWLINE.includes(c)) {
          state = 'PRE_KEY';
          push(true);
        } else if (c === '\\') {
          state = 'VALUE_ESCAPE';
          escapeStart = i;
          valueTrailingBlank = -1;
        } else {
          if (!WHITESPACE.includes(c)) valueTrailingBlank = -1;
          else if (valueTrailingBlank < 0) valueTrailingBlank = value.length;
          value.push(here(c, null));
        }
        break;
      case 'VALUE_ESCAPE':
        state = 'VALUE';
        if (!NEWLINE.includes(c)) value.push(here(c, null, escapeStart));
        break;
      case 'SINGLE':
        if (c === "'") state = 'PRE_VALUE';
        else value.push(here(c, "'"));
        break;
      case 'DOUBLE':
        if (c === '"') state = 'PRE_VALUE';
        else if (c === '\\') {
          state = 'DOUBLE_ESCAPE';
          escapeStart = i;
        } else value.push(here(c, '"'));
        break;
      case 'DOUBLE_ESCAPE':
        state = 'DOUBLE';
        if (SHELL_NEED_ESCAPE.includes(c)) value.push(here(c, '"', escapeStart));
        else if (c !== '\n') value.push({ ch: '\\', start: escapeStart, end: i, quote: '"' }, here(c, '"'));
        break;
      case 'COMMENT':
        if (c === '\\') state = 'COMMENT_ESCAPE';
        else if (NEWLINE.includes(c)) state = 'PRE_KEY';
        break;
      case 'COMMENT_ESCAPE':
        state = NEWLINE.includes(c) ? 'PRE_KEY' : 'COMMENT';
        break;
    }
    if (c === '\n') line++;
  }
  if (['PRE_VALUE', 'VALUE', 'VALUE_ESCAPE', 'SINGLE', 'DOUBLE', 'DOUBLE_ESCAPE'].includes(state)) push(state === 'VALUE');
  return out;
}
