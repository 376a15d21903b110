import { describe, expect, it } from 'vitest';
import { applyLineEdits, lineEdits } from '../../../src/plan/edit/line-edits.js';
import { allFixturePairs } from './fixture-cases.js';

describe('lineEdits / applyLineEdits', () => {
  const pairs = allFixturePairs();

  it('has fixtures with CRLF and without a final newline to cover', () => {
    expect(pairs.some((p) => p.before.includes('\r\n'))).toBe(true);
    expect(pairs.some((p) => !p.before.endsWith('\n'))).toBe(true);
  });

  for (const { name, before, after } of pairs) {
    it(`round-trips ${name} both ways`, () => {
      expect(applyLineEdits(before, lineEdits(before, after))).toBe(after);
      expect(applyLineEdits(after, lineEdits(after, before))).toBe(before);
    });
  }

  it('describes a replacement by its first line and the exact lines, "\\r" kept', () => {
    expect(lineEdits('a\r\nb\r\nc\r\n', 'a\r\nB\r\nc\r\n')).toEqual([{ line: 2, remove: ['b\r'], insert: ['B\r'] }]);
  });

  it('describes an insertion by the line it goes before', () => {
    expect(lineEdits('a\nc\n', 'a\nb\nc\n')).toEqual([{ line: 2, remove: [], insert: ['b'] }]);
  });

  it('treats adding or dropping the final newline as an edit of the last piece', () => {
    expect(applyLineEdits('a\nb', lineEdits('a\nb', 'a\nb\n'))).toBe('a\nb\n');
    expect(applyLineEdits('a\nb\n', lineEdits('a\nb\n', 'a\nb'))).toBe('a\nb');
    expect(lineEdits('x\n', 'x\n')).toEqual([]);
  });

  it('refuses to apply edits to a file that changed since they were computed', () => {
    const edits = lineEdits('mode: AlwaysAllow\n', 'mode: Webhook\n');
    expect(() => applyLineEdits('mode: AlwaysAllow # edited\n', edits)).toThrow(
      'line 1 is "mode: AlwaysAllow # edited", expected "mode: AlwaysAllow"',
    );
    expect(() => applyLineEdits('mode: AlwaysAllow\r\n', edits)).toThrow('line 1 is "mode: AlwaysAllow\\r"');
  });

  it('refuses edits outside the file or overlapping each other', () => {
    expect(() => applyLineEdits('a\n', [{ line: 5, remove: ['x'], insert: [] }])).toThrow('edit at line 5 is outside the file');
    expect(() =>
      applyLineEdits('a\nb\nc\n', [
        { line: 1, remove: ['a', 'b'], insert: [] },
        { line: 2, remove: ['b'], insert: [] },
      ]),
    ).toThrow('edit at line 2 overlaps the edit before it');
  });
});
