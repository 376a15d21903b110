/**
 * Line-level edits between two versions of a file, as stored in the plan and replayed by apply.
 *
 * Lines are the pieces of the text between "\n"s, so a trailing "\r" stays on its line and a file
 * ending in "\n" has a last, empty piece: adding or dropping the final newline is an edit of that
 * piece like any other, and applying the edits rebuilds the exact bytes.
 */
import { diffArrays } from 'diff';
import type { LineEdit } from '../types.js';

const linesOf = (text: string): string[] => text.split('\n');

/** The smallest set of line replacements that turns `before` into `after` (Myers diff). */
export function lineEdits(before: string, after: string): LineEdit[] {
  const edits: LineEdit[] = [];
  let line = 1;
  let open: LineEdit | undefined;
  for (const part of diffArrays(linesOf(before), linesOf(after))) {
    if (part.added || part.removed) {
      open ??= { line, remove: [], insert: [] };
      if (part.removed) {
        open.remove.push(...part.value);
        line += part.value.length;
      } else {
        open.insert.push(...part.value);
      }
      continue;
    }
    if (open) edits.push(open);
    open = undefined;
    line += part.value.length;
  }
  if (open) edits.push(open);
  return edits;
}

/**
 * Replays edits made against `before`. Throws when a line to remove is not exactly what the
 * edit expects (the file is not the one the edits were computed from) or edits overlap.
 */
export function applyLineEdits(before: string, edits: LineEdit[]): string {
  const lines = linesOf(before);
  const ordered = [...edits].sort((a, b) => a.line - b.line);
  let end = 0;
  for (const e of ordered) {
    if (!Number.isInteger(e.line) || e.line < 1 || e.line - 1 + e.remove.length > lines.length) {
      throw new Error(`edit at line ${e.line} is outside the file (${lines.length} lines)`);
    }
    if (e.line - 1 < end) throw new Error(`edit at line ${e.line} overlaps the edit before it`);
    end = e.line - 1 + e.remove.length;
    e.remove.forEach((expected, i) => {
      const found = lines[e.line - 1 + i];
      if (found !== expected) {
        throw new Error(`line ${e.line + i} is ${JSON.stringify(found)}, expected ${JSON.stringify(expected)}`);
      }
    });
  }
  for (const e of ordered.reverse()) lines.splice(e.line - 1, e.remove.length, ...e.insert);
  return lines.join('\n');
}
