/**
 * Offsets, lines and line endings of a file's text. Edits splice the original string by offset, so
 * every byte they do not touch (CRLF, a missing final newline, trailing blanks) stays as it was.
 */

/** The line ending new lines get: CRLF when most lines of the file already end that way. */
export function lineEnding(content: string): '\r\n' | '\n' {
  const crlf = content.split('\r\n').length - 1;
  const lf = content.split('\n').length - 1;
  return crlf > 0 && crlf * 2 >= lf ? '\r\n' : '\n';
}

/** 1-based line number of an offset. */
export function lineAt(content: string, offset: number): number {
  let line = 1;
  for (let i = content.indexOf('\n'); i !== -1 && i < offset; i = content.indexOf('\n', i + 1)) line += 1;
  return line;
}

/** Offset of the first character of line `line` (1-based); the end of the text past the last line. */
export function offsetOfLine(content: string, line: number): number {
  let offset = 0;
  for (let n = 1; n < line; n++) {
    const nl = content.indexOf('\n', offset);
    if (nl === -1) return content.length;
    offset = nl + 1;
  }
  return offset;
}

/** Offset of the first character of the line holding `offset`. */
export function lineStartOf(content: string, offset: number): number {
  return content.lastIndexOf('\n', offset - 1) + 1;
}

/** The blanks that start the line holding `offset` (its indentation, tabs included). */
export function indentOf(content: string, offset: number): string {
  const start = lineStartOf(content, offset);
  return /^[ \t]*/.exec(content.slice(start))?.[0] ?? '';
}

/** True when only blanks precede `offset` on its line. */
export function startsItsLine(content: string, offset: number): boolean {
  return /^[ \t]*$/.test(content.slice(lineStartOf(content, offset), offset));
}

/** One replacement of content[start, end) by text, in offsets of the original content. */
export interface Splice {
  start: number;
  end: number;
  text: string;
}

/** Applies non-overlapping splices (any order) to the original content. */
export function applySplices(content: string, splices: Splice[]): string {
  const ordered = [...splices].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = content;
  let floor = Infinity;
  for (const s of ordered) {
    if (s.end > floor) throw new Error(`internal: overlapping edits at offset ${s.start}`);
    out = out.slice(0, s.start) + s.text + out.slice(s.end);
    floor = s.start;
  }
  return out;
}
