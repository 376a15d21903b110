/**
 * Finds the directive that starts on a given line of a unit file or drop-in. The reading is the
 * facts layer's (config_parse: continuations, comments inside them, sections), so an edit lands
 * on exactly the directive the plan was computed from; this only explains, naming the file and
 * line, why a line that is not such a directive cannot be edited.
 */
import { logicalLines, parseUnitFileDetailed, physicalLines, strip, type Directive } from '../../facts/unit-file.js';

/** The directive whose first line is `line` (1-based); throws when there is none. */
export function unitDirectiveAt(content: string, line: number, file: string): Directive {
  const fail = (why: string): never => {
    throw new Error(`${file}:${line}: ${why}`);
  };
  const logical = logicalLines(content).find((l) => line >= l.line && line <= l.endLine);
  if (!logical) {
    // Comment lines outside a continuation are not part of any logical line.
    return fail(line >= 1 && line <= physicalLines(content).length ? 'this line is not a directive' : `the file has no line ${line}`);
  }
  if (logical.line !== line) {
    return fail(
      logical.segments.some((s) => s.line === line)
        ? `this line continues the directive that starts on line ${logical.line}`
        : `this line is a comment inside the directive that starts on line ${logical.line}`,
    );
  }
  const text = strip(logical.chars).chars.map((c) => c.ch).join('');
  if (text === '' || '#;['.includes(text[0] as string)) return fail('this line is not a directive');
  if (!text.includes('=')) return fail('this line has no "=", so it is not a directive');
  const parsed = parseUnitFileDetailed(file, content);
  const directive = parsed.directives.find((d) => d.line === line);
  if (directive) return directive;
  // Outside any section, no key, or after a broken section header: systemd drops the line.
  const problem = parsed.problems.find((p) => p.line === line);
  return fail(`systemd ignores this line (${problem?.message ?? 'it follows an invalid section header'})`);
}
