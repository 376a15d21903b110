/**
 * systemd's word splitting (extract_first_word) over text whose every character remembers where in
 * the file it came from. Knowing the source offsets of a decoded flag value is what lets an edit
 * replace exactly those bytes and leave the quoting, escapes and continuation lines around them.
 */

/**
 * One decoded character: `ch` came from content[start, end). `quote` is the quote it was read
 * inside by the splitting that produced it (file syntax for a directive's words, the value's own
 * quotes for the words of a variable's value).
 */
export interface SourceChar {
  ch: string;
  start: number;
  end: number;
  quote: '"' | "'" | null;
}

/** One word, its decoded characters, and the file range it spans (quotes included). */
export interface Word {
  text: string;
  chars: SourceChar[];
  start: number;
  end: number;
}

const WHITESPACE = ' \t\n\r';

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', s: ' ',
  '\\': '\\', '"': '"', "'": "'",
};

/** cunescape_one: the C-style escape after a backslash at `i` (the backslash itself excluded). */
function cunescapeOne(input: SourceChar[], i: number): { ch: string; used: number } | undefined {
  const c = input[i]?.ch;
  if (c === undefined) return undefined;
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return { ch: simple, used: 1 };
  const digits = (n: number, re: RegExp): string | undefined => {
    const s = input.slice(i + 1, i + 1 + n).map((x) => x.ch).join('');
    return s.length === n && re.test(s) ? s : undefined;
  };
  const hex = (n: number): { ch: string; used: number } | undefined => {
    const s = digits(n, new RegExp(`^[0-9a-fA-F]{${n}}$`));
    return s === undefined ? undefined : { ch: String.fromCodePoint(parseInt(s, 16)), used: n + 1 };
  };
  if (c === 'x') return hex(2);
  if (c === 'u') return hex(4);
  if (c === 'U') return hex(8);
  if (/[0-7]/.test(c)) {
    const s = input.slice(i, i + 3).map((x) => x.ch).join('');
    if (/^[0-7]{3}$/.test(s) && parseInt(s, 8) < 256) return { ch: String.fromCharCode(parseInt(s, 8)), used: 3 };
  }
  return undefined;
}

/**
 * Splits like extract_first_word(WHITESPACE, EXTRACT_UNQUOTE|EXTRACT_RELAX[|EXTRACT_CUNESCAPE|
 * EXTRACT_CUNESCAPE_RELAX]): quotes may open and close anywhere in a word and are removed; a
 * backslash escapes the next character (with `cunescape`, C escapes such as \t and \x41 are
 * decoded and unknown ones are kept verbatim); an unterminated quote runs to the end.
 */
export function splitWords(input: SourceChar[], opts: { cunescape: boolean }): Word[] {
  const words: Word[] = [];
  let i = 0;
  while (i < input.length) {
    while (i < input.length && WHITESPACE.includes(input[i]?.ch ?? '')) i++;
    const first = input[i];
    if (!first) break;
    const chars: SourceChar[] = [];
    let quote: '"' | "'" | null = null;
    let end = first.start;
    for (; i < input.length; i++) {
      const c = input[i] as SourceChar;
      if (!quote && WHITESPACE.includes(c.ch)) break;
      end = c.end;
      if (c.ch === quote) {
        quote = null;
      } else if (!quote && (c.ch === '"' || c.ch === "'")) {
        quote = c.ch;
      } else if (c.ch === '\\') {
        const next = input[i + 1];
        if (!next) {
          chars.push({ ...c, quote });
          continue;
        }
        if (opts.cunescape) {
          const esc = cunescapeOne(input, i + 1);
          if (esc) {
            const last = input[i + esc.used] as SourceChar;
            chars.push({ ch: esc.ch, start: c.start, end: last.end, quote });
            end = last.end;
            i += esc.used;
          } else {
            chars.push({ ...c, quote }, { ...next, quote });
            end = next.end;
            i += 1;
          }
        } else {
          chars.push({ ch: next.ch, start: c.start, end: next.end, quote });
          end = next.end;
          i += 1;
        }
      } else {
        chars.push({ ...c, quote });
      }
    }
    words.push({ text: chars.map((c) => c.ch).join(''), chars, start: first.start, end });
  }
  return words;
}

/** The characters of content[start, end), one per UTF-16 unit, unquoted. */
export function sourceChars(content: string, start: number, end: number): SourceChar[] {
  const out: SourceChar[] = [];
  for (let i = start; i < end; i++) out.push({ ch: content[i] ?? '', start: i, end: i + 1, quote: null });
  return out;
}
