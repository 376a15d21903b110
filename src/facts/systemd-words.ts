/**
 * systemd's extract_first_word() (src/basic/extract-word.c) and cunescape_one() (escape.c), the
 * tokenizer behind Environment=, ExecStart= and the splitting of `$VAR` in command lines.
 * Reimplemented rather than approximated with a shell lexer: systemd's rules differ from sh
 * (quotes may open mid-word, C escapes apply inside double AND single quotes, no globbing).
 */

export interface ExtractOptions {
  /** EXTRACT_UNQUOTE (EXTRACT_QUOTES before v245): ' and " group, and are removed. */
  unquote: boolean;
  /** EXTRACT_CUNESCAPE: C escapes (\n, \x41, \u00e9 ...) are decoded; otherwise \c is just c. */
  cunescape: boolean;
  /** EXTRACT_RELAX: an unbalanced quote or trailing backslash ends the word instead of failing. */
  relax: boolean;
}

export interface ExtractedWord {
  value: string;
  /** Offsets of the word's first and one-past-last source characters in the input. */
  start: number;
  end: number;
  /** A quote was opened somewhere in the word (used to tell `""` from nothing). */
  quoted: boolean;
}

export type ExtractResult =
  | { ok: true; words: ExtractedWord[]; warnings: string[] }
  | { ok: false; words: ExtractedWord[]; warnings: string[]; error: string; errorAt: number };

const WHITESPACE = ' \t\n\r';

/** One C escape after a backslash at `s[i]` (the character after the backslash); null if invalid. */
export function cunescapeOne(s: string, i: number): { char: string; length: number } | null {
  const c = s[i];
  if (c === undefined) return null;
  const simple: Record<string, string> = {
    a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
    '\\': '\\', '"': '"', "'": "'", s: ' ',
  };
  const mapped = simple[c];
  if (mapped !== undefined) return { char: mapped, length: 1 };
  const hex = (n: number): number | null => {
    const digits = s.slice(i + 1, i + 1 + n);
    return digits.length === n && /^[0-9a-fA-F]+$/.test(digits) ? parseInt(digits, 16) : null;
  };
  if (c === 'x') {
    const v = hex(2);
    // systemd refuses \x00: a NUL cannot be part of a C string.
    return v === null || v === 0 ? null : { char: String.fromCharCode(v), length: 3 };
  }
  if (c === 'u' || c === 'U') {
    const n = c === 'u' ? 4 : 8;
    const v = hex(n);
    if (v === null || v === 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return null;
    return { char: String.fromCodePoint(v), length: 1 + n };
  }
  if (c >= '0' && c <= '7') {
    const digits = s.slice(i, i + 3);
    if (!/^[0-7]{3}$/.test(digits)) return null;
    const v = parseInt(digits, 8);
    return v === 0 || v > 255 ? null : { char: String.fromCharCode(v), length: 3 };
  }
  return null;
}

/**
 * Split `input` into words as systemd does. Stops at the first hard error (like systemd, which then
 * ignores the rest of the setting); words extracted before it are returned.
 */
export function extractWords(input: string, opts: ExtractOptions): ExtractResult {
  const words: ExtractedWord[] = [];
  const warnings: string[] = [];
  let i = 0;
  const n = input.length;
  for (;;) {
    while (i < n && WHITESPACE.includes(input[i] as string)) i++;
    if (i >= n) return { ok: true, words, warnings };
    const start = i;
    let value = '';
    let quote: '"' | "'" | null = null;
    let quoted = false;
    let done = false;
    while (!done) {
      const c = input[i];
      if (c === undefined) {
        if (quote && !opts.relax) {
          return { ok: false, words, warnings, error: `unbalanced quoting (no closing ${quote})`, errorAt: start };
        }
        done = true;
        break;
      }
      if (c === '\\') {
        const next = input[i + 1];
        if (next === undefined) {
          // A trailing backslash: systemd fails unless relaxed (then it is dropped).
          if (!opts.relax) return { ok: false, words, warnings, error: 'trailing backslash', errorAt: i };
          i++;
          done = true;
          break;
        }
        if (opts.cunescape) {
          const esc = cunescapeOne(input, i + 1);
          if (esc) {
            value += esc.char;
            i += 1 + esc.length;
          } else {
            // extract_first_word_and_warn retries with EXTRACT_CUNESCAPE_RELAX: kept verbatim.
            warnings.push(`ignoring unknown escape sequence "\\${next}"`);
            value += `\\${next}`;
            i += 2;
          }
        } else {
          value += next;
          i += 2;
        }
        continue;
      }
      if (quote) {
        if (c === quote) quote = null;
        else value += c;
        i++;
        continue;
      }
      if (opts.unquote && (c === '"' || c === "'")) {
        quote = c;
        quoted = true;
        i++;
        continue;
      }
      if (WHITESPACE.includes(c)) {
        done = true;
        break;
      }
      value += c;
      i++;
    }
    words.push({ value, start, end: i, quoted });
  }
}
