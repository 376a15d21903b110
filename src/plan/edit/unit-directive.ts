/**
 * Finds the directive that starts on a given line of a unit file or drop-in, the way systemd's
 * config_parse reads it: a line ending in an unescaped backslash continues on the next line (the
 * backslash counts as a blank), comment lines inside a continuation are skipped, and key and
 * value are trimmed around the first `=`.
 */
import { sourceChars, type SourceChar } from './systemd-words.js';

export interface UnitDirective {
  key: string;
  section: string | null;
  firstLine: number;
  lastLine: number;
  /** The value after `=`, trimmed, with each character's file offset. */
  value: SourceChar[];
}

interface PhysicalLine {
  number: number;
  start: number;
  /** End of the text, before "\n" and any "\r" that precedes it. */
  end: number;
}

function physicalLines(content: string): PhysicalLine[] {
  const lines: PhysicalLine[] = [];
  let start = 0;
  for (let n = 1; start <= content.length; n++) {
    const nl = content.indexOf('\n', start);
    let end = nl === -1 ? content.length : nl;
    while (end > start && content[end - 1] === '\r') end--;
    lines.push({ number: n, start, end });
    if (nl === -1) break;
    start = nl + 1;
  }
  return lines;
}

function endsEscaped(chars: SourceChar[]): boolean {
  let escaped = false;
  for (const c of chars) escaped = escaped ? false : c.ch === '\\';
  return escaped;
}

const isBlank = (c: SourceChar | undefined): boolean => c !== undefined && ' \t\n\r'.includes(c.ch);

function trim(chars: SourceChar[]): SourceChar[] {
  let a = 0;
  let b = chars.length;
  while (a < b && isBlank(chars[a])) a++;
  while (b > a && isBlank(chars[b - 1])) b--;
  return chars.slice(a, b);
}

/**
 * The directive whose first line is `line` (1-based). Throws, naming the file and line, when that
 * line is blank, a comment, a section header, or the continuation of an earlier line.
 */
export function unitDirectiveAt(content: string, line: number, file: string): UnitDirective {
  let section: string | null = null;
  let pending: { chars: SourceChar[]; firstLine: number } | undefined;

  const complete = (chars: SourceChar[], firstLine: number, lastLine: number): UnitDirective | undefined => {
    if (line > firstLine && line <= lastLine) {
      throw new Error(`${file}:${line}: this line continues the directive that starts on line ${firstLine}`);
    }
    const text = trim(chars);
    const head = text[0]?.ch;
    if (head === '[') {
      const s = text.map((c) => c.ch).join('');
      if (s.endsWith(']')) section = s.slice(1, -1);
    }
    if (firstLine !== line) return undefined;
    if (head === undefined || head === '#' || head === ';' || head === '[') {
      throw new Error(`${file}:${line}: this line is not a directive`);
    }
    const eq = text.findIndex((c) => c.ch === '=');
    if (eq === -1) throw new Error(`${file}:${line}: this line has no "=", so it is not a directive`);
    return {
      key: trim(text.slice(0, eq)).map((c) => c.ch).join(''),
      section,
      firstLine,
      lastLine,
      value: trim(text.slice(eq + 1)),
    };
  };

  let lastNumber = 0;
  for (const physical of physicalLines(content)) {
    lastNumber = physical.number;
    const raw = sourceChars(content, physical.start, physical.end);
    if (pending && /^[ \t]*[#;]/.test(content.slice(physical.start, physical.end))) {
      if (physical.number === line) throw new Error(`${file}:${line}: this line is a comment inside the directive that starts on line ${pending.firstLine}`);
      continue;
    }
    const chars = pending ? [...pending.chars, ...raw] : raw;
    const firstLine = pending?.firstLine ?? physical.number;
    if (endsEscaped(raw)) {
      const backslash = chars[chars.length - 1] as SourceChar;
      chars[chars.length - 1] = { ...backslash, ch: ' ' };
      pending = { chars, firstLine };
      continue;
    }
    pending = undefined;
    const found = complete(chars, firstLine, physical.number);
    if (found) return found;
  }
  if (pending) {
    const found = complete(pending.chars, pending.firstLine, lastNumber);
    if (found) return found;
  }
  throw new Error(`${file}:${line}: the file has no line ${line}`);
}
