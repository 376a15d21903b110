/**
 * systemd's extract_first_word() (src/basic/extract-word.c) and cunescape_one() (escape.c), the
 * tokenizer behind Environment=, ExecStart= and the splitting of `$VAR` in command lines.
 * Reimplemented rather than approximated with a shell lexer: systemd's rules differ from sh
 * (quotes may open mid-word, C escapes apply inside double AND single quotes, no globbing).
 *
 * It runs over characters that remember where in the file they came from, so the same split that
 * tells what a setting means also tells an edit exactly which bytes to replace, leaving the
 * quoting, escapes and continuation lines around them as they are.
 */

/**
 * One decoded character: `ch` came from content[start, end). `quote` is the quote it was read
 * inside by the splitting that produced it (null for raw file text).
 */
export interface SourceChar {
  ch: string;
  start: number;
  end: number;
  quote: '"' | "'" | null;
}

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
  /** The decoded characters of `value`, each with the source range it was read from. */
  chars: SourceChar[];
  /** Offsets of the word's first and one-past-last source characters (quotes included). */
  start: number;
  end: number;
  /** A quote was opened somewhere in the word (used to tell `""` from nothing). */
  quoted: boolean;
}

export type ExtractResult =
  | { ok: true; words: ExtractedWord[]; warnings: string[] }
  | { ok: false; words: ExtractedWord[]; warnings: string[]; error: string; errorAt: number };

const WHITESPACE = ' \t\n\r';

/** The characters of content[start, end), one per UTF-16 unit, unquoted. */
export function sourceChars(content: string, start = 0, end = content.length): SourceChar[] {
  const out: SourceChar[] = [];
  for (let i = start; i < end; i++) out.push({ ch: content[i] ?? '', start: i, end: i + 1, quote: null });
  return out;
}

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

/** Split a plain string (offsets are indexes into it); see splitWords. */
export function extractWords(input: string, opts: ExtractOptions): ExtractResult {
  return splitWords(sourceChars(input), opts);
}

/**
 * Split `input` into words as systemd does. Stops at the first hard error (like systemd, which then
 * ignores the rest of the setting); words extracted before it are returned.
 */
export function splitWords(input: SourceChar[], opts: ExtractOptions): ExtractResult {
  const words: ExtractedWord[] = [];
  const warnings: string[] = [];
  // cunescape_one reads the escape's characters as text; their offsets come from `input`.
  const text = input.map((c) => c.ch).join('');
  const at = (k: number): SourceChar => input[k] as SourceChar;
  let i = 0;
  const n = input.length;
  for (;;) {
    while (i < n && WHITESPACE.includes(at(i).ch)) i++;
    if (i >= n) return { ok: true, words, warnings };
    const first = i;
    const chars: SourceChar[] = [];
    let quote: '"' | "'" | null = null;
    let quoted = false;
    const push = (ch: string, from: number, to: number): void => {
      chars.push({ ch, start: at(from).start, end: at(to - 1).end, quote });
    };
    for (;;) {
      const c = input[i]?.ch;
      if (c === undefined) {
        if (quote && !opts.relax) {
          return { ok: false, words, warnings, error: `unbalanced quoting (no closing ${quote})`, errorAt: at(first).start };
        }
        break;
      }
      if (c === '\\') {
        const next = input[i + 1]?.ch;
        if (next === undefined) {
          // A trailing backslash: systemd fails unless relaxed (then it is dropped).
          if (!opts.relax) return { ok: false, words, warnings, error: 'trailing backslash', errorAt: at(i).start };
          i++;
          break;
        }
        if (opts.cunescape) {
          const esc = cunescapeOne(text, i + 1);
          if (esc) {
            push(esc.char, i, i + 1 + esc.length);
            i += 1 + esc.length;
          } else {
            // extract_first_word_and_warn retries with EXTRACT_CUNESCAPE_RELAX: kept verbatim.
            warnings.push(`ignoring unknown escape sequence "\\${next}"`);
            push('\\', i, i + 1);
            push(next, i + 1, i + 2);
            i += 2;
          }
        } else {
          push(next, i, i + 2);
          i += 2;
        }
        continue;
      }
      if (quote) {
        if (c === quote) quote = null;
        else push(c, i, i + 1);
        i++;
        continue;
      }
      if (opts.unquote && (c === '"' || c === "'")) {
        quote = c;
        quoted = true;
        i++;
        continue;
      }
      if (WHITESPACE.includes(c)) break;
      push(c, i, i + 1);
      i++;
    }
    words.push({ value: chars.map((c) => c.ch).join(''), chars, start: at(first).start, end: at(i - 1).end, quoted });
  }
}
