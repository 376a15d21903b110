/**
 * Environment assignments as systemd reads them:
 * - EnvironmentFile= contents: parse_env_file_internal() (environment-file-syntax.ts), load_env_file(),
 *   then strv_env_clean_with_callback() (execute.c), which drops invalid names with
 *   "Ignoring invalid environment assignment". So `export FOO=bar` is NOT accepted: the key is
 *   "export FOO", which is not a valid name, and the line is ignored.
 * - Environment= values: config_parse_environ() (load-fragment.c): words split by
 *   extract_first_word(EXTRACT_CUNESCAPE|EXTRACT_UNQUOTE), each must be NAME=VALUE.
 */
import { envFileAssignments, isValidEnvName, type EnvironmentFileOptions } from './environment-file-syntax.js';
import { extractWords } from './systemd-words.js';
import { expandSpecifiers } from './unit-specifiers.js';

export interface EnvAssignment {
  variable: string;
  value: string;
  file: string;
  /** Line where the assignment starts, and where it ends (values may span lines). */
  line: number;
  endLine: number;
}

export interface ParsedEnvironmentFile {
  /** Every valid assignment in file order; a later one for the same variable wins. */
  assignments: EnvAssignment[];
  warnings: string[];
}

/** Parse an EnvironmentFile= file into the assignments systemd keeps, with what it logs. */
export function parseEnvironmentFile(file: string, content: string, opts: EnvironmentFileOptions = {}): ParsedEnvironmentFile {
  const { assignments, warnings } = envFileAssignments(file, content, opts);
  return {
    assignments: assignments
      .filter((a) => a.validName)
      .map((a) => ({ variable: a.key, value: a.value.map((c) => c.ch).join(''), file, line: a.line, endLine: a.endLine })),
    warnings,
  };
}

export interface ParsedEnvironmentDirective {
  /** Empty `Environment=` resets every earlier assignment. */
  reset: boolean;
  assignments: EnvAssignment[];
  /** Messages systemd logs for this line (invalid words, bad quoting), with file:line. */
  warnings: string[];
}

/**
 * One `Environment=` line. `lineOfOffset` maps an offset in rawValue to the physical line it is
 * written on (continued lines); by default every assignment is on `line`.
 */
export function parseEnvironmentDirective(
  file: string,
  line: number,
  rawValue: string,
  opts: { unitName?: string; lineOfOffset?: (offset: number) => number } = {},
): ParsedEnvironmentDirective {
  const warnings: string[] = [];
  if (rawValue.trim() === '') return { reset: true, assignments: [], warnings };
  const r = extractWords(rawValue, { unquote: true, cunescape: true, relax: false });
  const where = (offset: number): number => opts.lineOfOffset?.(offset) ?? line;
  for (const w of r.warnings) warnings.push(`${file}:${line}: ${w}`);
  if (!r.ok) warnings.push(`${file}:${where(r.errorAt)}: invalid syntax in Environment=, ignoring the rest of the line (${r.error}): ${rawValue}`);
  const assignments: EnvAssignment[] = [];
  for (const w of r.words) {
    const at = where(w.start);
    const expanded = expandSpecifiers(w.value, opts.unitName ?? 'kubelet.service');
    if (expanded.error) {
      warnings.push(`${file}:${at}: failed to resolve unit specifiers in ${w.value} (${expanded.error}), ignoring`);
      continue;
    }
    if (expanded.unresolved.length > 0) {
      warnings.push(`${file}:${at}: ${expanded.unresolved.join(', ')} in Environment= depends on the host and is not predicted`);
    }
    const eq = expanded.value.indexOf('=');
    const name = eq < 0 ? '' : expanded.value.slice(0, eq);
    if (eq < 0 || !isValidEnvName(name)) {
      warnings.push(`${file}:${at}: invalid environment assignment, ignoring: ${expanded.value}`);
      continue;
    }
    assignments.push({ variable: name, value: expanded.value.slice(eq + 1), file, line: at, endLine: at });
  }
  return { reset: false, assignments, warnings };
}
