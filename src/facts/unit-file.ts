/**
 * systemd unit file syntax (src/shared/conf-parser.c config_parse() / parse_line()): sections,
 * `#`/`;` comment lines, backslash continuation (the backslash becomes a space), whitespace
 * stripped around key and value, CRLF and a leading BOM tolerated.
 */

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

function isBlank(c: string | undefined): boolean {
  return c !== undefined && WHITESPACE.includes(c);
}

/** Physical lines as systemd's read_line() sees them: "\n", "\r\n" and a lone "\r" end a line. */
export function splitLines(content: string): string[] {
  const lines = content.split(/\r\n|\n|\r/);
  // A final terminator does not start another line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

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
function endsEscaped(text: string): boolean {
  let escaped = false;
  for (const c of text) {
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
  }
  return escaped;
}

interface LogicalLine {
  text: string;
  line: number;
  endLine: number;
  /** Offsets in `text` where each physical line's contribution starts. */
  segments: { offset: number; line: number }[];
}

function logicalLines(content: string, opts: UnitFileOptions): LogicalLine[] {
  const skipCommentsInContinuation = opts.systemdVersion === undefined || opts.systemdVersion >= 235;
  const physical = splitLines(content.startsWith('\uFEFF') ? content.slice(1) : content);
  const out: LogicalLine[] = [];
  let cont: LogicalLine | null = null;
  physical.forEach((raw, idx) => {
    const lineNo = idx + 1;
    const trimmed = raw.replace(/^[ \t\n\r]+/, '');
    const isComment = trimmed !== '' && COMMENT_CHARS.includes(trimmed[0] as string);
    if (isComment && (cont === null || skipCommentsInContinuation)) return;
    const current: LogicalLine = cont ?? { text: '', line: lineNo, endLine: lineNo, segments: [] };
    current.segments.push({ offset: current.text.length, line: lineNo });
    current.text += raw;
    current.endLine = lineNo;
    if (endsEscaped(current.text)) {
      current.text = `${current.text.slice(0, -1)} `;
      cont = current;
      return;
    }
    cont = null;
    out.push(current);
  });
  if (cont) out.push(cont);
  return out;
}

function strip(s: string): { text: string; lead: number } {
  let a = 0;
  let b = s.length;
  while (a < b && isBlank(s[a])) a++;
  while (b > a && isBlank(s[b - 1])) b--;
  return { text: s.slice(a, b), lead: a };
}

/** Parse one unit file or drop-in, keeping problems systemd would log (with file:line). */
export function parseUnitFileDetailed(path: string, content: string, opts: UnitFileOptions = {}): ParsedUnitFile {
  const directives: Directive[] = [];
  const problems: UnitFileProblem[] = [];
  let section: string | null = null;
  for (const ll of logicalLines(content, opts)) {
    const { text, lead } = strip(ll.text);
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
    const key = strip(text.slice(0, eq)).text;
    const rawValue = text.slice(eq + 1);
    const v = strip(rawValue);
    const valueStart = lead + eq + 1 + v.lead;
    const valueLines = ll.segments.map((s) => ({ offset: Math.max(0, s.offset - valueStart), line: s.line }));
    // Segments that start before the value all map to offset 0: keep only the last of them.
    const dedup = valueLines.filter((s, i) => !(s.offset === 0 && valueLines[i + 1]?.offset === 0));
    directives.push({ file: path, section, key, value: v.text, line: ll.line, endLine: ll.endLine, valueLines: dedup });
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
