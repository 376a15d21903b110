/**
 * systemd unit file syntax (src/shared/conf-parser.c config_parse() / parse_line()): sections,
 * `#`/`;` comment lines, backslash continuation (the backslash becomes a space), whitespace
 * stripped around key and value, CRLF and a leading BOM tolerated. Every character keeps its file
 * offset, so an edit can find a directive's value bytes from the same reading that gives its meaning.
 */
import { sourceChars, type SourceChar } from './systemd-words.js';

export interface Directive {
  file: string;
  section: string;
  key: string;
  value: string;
  /** First and last physical line (1-based) of the directive; they differ for continued lines. */
  line: number;
  endLine: number;
  /**
   * Where each physical line's text starts inside `value`, in order, so a word at offset k of a
   * multi-line value can be traced to the line it is written on (see `lineAt`).
   */
  valueLines: { offset: number; line: number }[];
  /** `value` character by character, each with the file offsets it was read from (for edits). */
  valueChars: SourceChar[];
}

export interface UnitFileProblem {
  file: string;
  line: number;
  severity: 'error' | 'warning';
  message: string;
}

export interface ParsedUnitFile {
  directives: Directive[];
  problems: UnitFileProblem[];
}

export interface UnitFileOptions {
  /**
   * systemd before 235 did not skip comment lines inside a continuation: the comment line was
   * appended to the value and ended it. Unknown version = current behaviour.
   */
  systemdVersion?: number;
}

const WHITESPACE = ' \t\n\r';
const COMMENT_CHARS = '#;';

const isBlank = (c: SourceChar | undefined): boolean => c !== undefined && WHITESPACE.includes(c.ch);
const textOf = (chars: SourceChar[]): string => chars.map((c) => c.ch).join('');

/** Line on which the character at `offset` of a directive's value is written. */
export function lineAt(d: Directive, offset: number): number {
  let line = d.line;
  for (const seg of d.valueLines) {
    if (seg.offset <= offset) line = seg.line;
    else break;
  }
  return line;
}

/** Whether the text ends in a backslash that is not itself escaped (conf-parser's scan). */
function endsEscaped(chars: SourceChar[]): boolean {
  let escaped = false;
  for (const c of chars) {
    if (escaped) escaped = false;
    else if (c.ch === '\\') escaped = true;
  }
  return escaped;
}

/**
 * Physical lines as systemd's read_line() sees them: "\n", "\r\n" and a lone "\r" end a line, and
 * a final terminator does not start another line. A leading BOM is skipped.
 */
export function physicalLines(content: string): { start: number; end: number }[] {
  const lines: { start: number; end: number }[] = [];
  const re = /\r\n|\n|\r/g;
  let start = content.startsWith('\uFEFF') ? 1 : 0;
  for (let m = re.exec(content); m; m = re.exec(content)) {
    if (m.index < start) continue;
    lines.push({ start, end: m.index });
    start = m.index + m[0].length;
  }
  if (start < content.length) lines.push({ start, end: content.length });
  return lines;
}

/** One line as config_parse reads it: physical lines joined by backslash continuations. */
export interface LogicalLine {
  /** The joined text, each continuation backslash turned into a blank, with file offsets. */
  chars: SourceChar[];
  line: number;
  endLine: number;
  /** Where each contributing physical line starts in `chars`; comment lines skipped inside are absent. */
  segments: { offset: number; line: number }[];
}

/** The file's logical lines; comment lines are dropped (inside a continuation too, from v235). */
export function logicalLines(content: string, opts: UnitFileOptions = {}): LogicalLine[] {
  const skipCommentsInContinuation = opts.systemdVersion === undefined || opts.systemdVersion >= 235;
  const out: LogicalLine[] = [];
  let cont: LogicalLine | null = null;
  physicalLines(content).forEach(({ start, end }, idx) => {
    const lineNo = idx + 1;
    const raw = sourceChars(content, start, end);
    const head = raw.find((c) => !isBlank(c));
    const isComment = head !== undefined && COMMENT_CHARS.includes(head.ch);
    if (isComment && (cont === null || skipCommentsInContinuation)) return;
    const current: LogicalLine = cont ?? { chars: [], line: lineNo, endLine: lineNo, segments: [] };
    current.segments.push({ offset: current.chars.length, line: lineNo });
    current.chars.push(...raw);
    current.endLine = lineNo;
    if (endsEscaped(current.chars)) {
      const backslash = current.chars[current.chars.length - 1] as SourceChar;
      current.chars[current.chars.length - 1] = { ...backslash, ch: ' ' };
      cont = current;
      return;
    }
    cont = null;
    out.push(current);
  });
  if (cont) out.push(cont);
  return out;
}

/** The characters without the blanks around them, and how many were dropped in front. */
export function strip(chars: SourceChar[]): { chars: SourceChar[]; lead: number } {
  let a = 0;
  let b = chars.length;
  while (a < b && isBlank(chars[a])) a++;
  while (b > a && isBlank(chars[b - 1])) b--;
  return { chars: chars.slice(a, b), lead: a };
}

/** Parse one unit file or drop-in, keeping problems systemd would log (with file:line). */
export function parseUnitFileDetailed(path: string, content: string, opts: UnitFileOptions = {}): ParsedUnitFile {
  const directives: Directive[] = [];
  const problems: UnitFileProblem[] = [];
  let section: string | null = null;
  for (const ll of logicalLines(content, opts)) {
    const stripped = strip(ll.chars);
    const text = textOf(stripped.chars);
    if (text === '') continue;
    const problem = (severity: 'error' | 'warning', message: string): void => {
      problems.push({ file: path, line: ll.line, severity, message });
    };
    if (text.startsWith('[')) {
      if (!text.endsWith(']')) {
        // conf-parser stops here with an error: systemd refuses to load the whole unit.
        problem('error', `invalid section header '${text}': systemd stops reading the file and refuses to load the unit`);
        break;
      }
      section = text.slice(1, -1);
      continue;
    }
    if (section === null) {
      problem('warning', 'assignment outside of section, ignoring');
      continue;
    }
    const eq = text.indexOf('=');
    if (eq < 0) {
      problem('warning', `missing '=', ignoring line: ${text}`);
      continue;
    }
    if (eq === 0) {
      problem('warning', "missing key name before '=', ignoring line");
      continue;
    }
    const key = textOf(strip(stripped.chars.slice(0, eq)).chars);
    const v = strip(stripped.chars.slice(eq + 1));
    const valueStart = stripped.lead + eq + 1 + v.lead;
    const valueLines = ll.segments.map((s) => ({ offset: Math.max(0, s.offset - valueStart), line: s.line }));
    // Segments that start before the value all map to offset 0: keep only the last of them.
    const dedup = valueLines.filter((s, i) => !(s.offset === 0 && valueLines[i + 1]?.offset === 0));
    directives.push({
      file: path, section, key, value: textOf(v.chars), valueChars: v.chars, line: ll.line, endLine: ll.endLine, valueLines: dedup,
    });
  }
  return { directives, problems };
}

/** Directives of one unit file, in file order. */
export function parseUnitFile(path: string, content: string, opts: UnitFileOptions = {}): Directive[] {
  return parseUnitFileDetailed(path, content, opts).directives;
}

export function formatProblem(p: UnitFileProblem): string {
  return `${p.file}:${p.line}: ${p.message}`;
}
