/**
 * An ExecStart= value split into words as systemd does (load-fragment.c config_parse_exec()), and
 * each word's environment expansion as systemd does it at start time (env-util.c
 * replace_env_argv()):
 * - a word that is exactly `$NAME` (after unquoting) is replaced by the variable's value split at
 *   whitespace, with quotes removed (EXTRACT_RELAX|EXTRACT_UNQUOTE): zero or more words;
 * - anywhere else only `${NAME}` is substituted, as-is, into the word (unset = empty); a braceless
 *   `$NAME` inside a word stays literal, and `$$` becomes `$`;
 * - quotes do not protect: `"$FOO"` unquotes to `$FOO` first and is split all the same.
 */
import { extractWords } from './systemd-words.js';
import { expandSpecifiers } from './unit-specifiers.js';
import { isValidEnvName } from './environment-file-syntax.js';

export type WordExpansion =
  /** No `$` syntax: used as written (after `$$` → `$`). */
  | { kind: 'literal' }
  /** The whole word is `$NAME`: replaced by the split value (zero words when unset or invalid). */
  | { kind: 'split'; variable: string; validName: boolean }
  /** `${NAME}` occurs inside the word: substituted in place. */
  | { kind: 'substitute'; variables: string[] };

export interface ExecWord {
  /** After unquoting, C unescapes and unit specifiers; before environment expansion. */
  value: string;
  /** Offset of the word in the ExecStart= value (to find its line). */
  offset: number;
  expansion: WordExpansion;
}

export interface ExecCommand {
  /** The executable, without prefixes. */
  path: string;
  /** argv[0] first. With the `@` prefix argv[0] is the second word as written. */
  argv: ExecWord[];
  prefixes: { ignoreFailure: boolean; separateArgv0: boolean; noEnvironmentExpansion: boolean; privileged: string };
  /** systemd would refuse this command line (the unit fails to load). */
  errors: string[];
  warnings: string[];
}

/** A value with the variables that produced each part, for origin tracking. */
export interface Substituted {
  value: string;
  /** Variables actually referenced (in order), with whether they were set. */
  references: { variable: string; set: boolean }[];
}

/** replace_env_full() with flags=0: `${NAME}` substituted, `$$` → `$`, everything else literal. */
export function substituteBraced(word: string, lookup: (name: string) => string | undefined): Substituted {
  let out = '';
  const references: Substituted['references'] = [];
  let i = 0;
  while (i < word.length) {
    const c = word[i] as string;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = word[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const close = word.indexOf('}', i + 2);
      const colon = word.indexOf(':', i + 2);
      // Unterminated, or `${NAME:-x}` (extended syntax is off for command lines): left as written.
      if (close < 0 || (colon >= 0 && colon < close)) {
        out += '${';
        i += 2;
        continue;
      }
      const name = word.slice(i + 2, close);
      const value = isValidEnvName(name) ? lookup(name) : undefined;
      references.push({ variable: name, set: value !== undefined });
      out += value ?? '';
      i = close + 1;
      continue;
    }
    out += '$';
    i++;
  }
  return { value: out, references };
}

function classify(value: string, noExpansion: boolean): WordExpansion {
  if (noExpansion) return { kind: 'literal' };
  if (value.startsWith('$') && value[1] !== '{' && value[1] !== '$') {
    const variable = value.slice(1);
    return { kind: 'split', variable, validName: isValidEnvName(variable) };
  }
  const probe = substituteBraced(value, () => '');
  if (probe.references.length > 0) return { kind: 'substitute', variables: probe.references.map((r) => r.variable) };
  return { kind: 'literal' };
}

/** Split one ExecStart= value. `where` names it in messages, e.g. "/etc/.../kubelet.service:9". */
export function parseExecCommand(value: string, opts: { unitName?: string; where?: string } = {}): ExecCommand {
  const where = opts.where ? `${opts.where}: ` : '';
  const errors: string[] = [];
  const warnings: string[] = [];
  const prefixes = { ignoreFailure: false, separateArgv0: false, noEnvironmentExpansion: false, privileged: '' };
  const words = extractWords(value, { unquote: true, cunescape: true, relax: false });
  for (const w of words.warnings) warnings.push(`${where}${w}`);
  if (!words.ok) errors.push(`${where}unbalanced quoting in ExecStart=, systemd ignores it: ${value}`);
  // A lone ";" separates commands; "\;" is a literal ";" argument (checked on the raw text).
  const list = words.words;
  const semicolon = list.findIndex((w) => value.slice(w.start, w.end) === ';');
  if (semicolon >= 0) {
    errors.push(`${where}ExecStart= holds more than one command (";"), which only Type=oneshot services accept`);
    list.splice(semicolon);
  }
  const first = list[0];
  if (!first) {
    errors.push(`${where}ExecStart= has no command`);
    return { path: '', argv: [], prefixes, errors, warnings };
  }
  let f = first.value;
  let skipped = 0;
  for (;;) {
    const c = f[0];
    if (c === '-' && !prefixes.ignoreFailure) prefixes.ignoreFailure = true;
    else if (c === '@' && !prefixes.separateArgv0) prefixes.separateArgv0 = true;
    else if (c === ':' && !prefixes.noEnvironmentExpansion) prefixes.noEnvironmentExpansion = true;
    else if ((c === '+' || c === '!') && prefixes.privileged === '') prefixes.privileged = c;
    else if (c === '!' && prefixes.privileged === '!') prefixes.privileged = '!!';
    else break;
    f = f.slice(1);
    skipped++;
  }
  const unitName = opts.unitName ?? 'kubelet.service';
  const resolve = (text: string): string => {
    const r = expandSpecifiers(text, unitName);
    if (r.error) errors.push(`${where}failed to resolve unit specifiers in ${text} (${r.error}): systemd refuses this ExecStart=`);
    if (r.unresolved.length > 0) warnings.push(`${where}${r.unresolved.join(', ')} depends on the host and is not predicted`);
    return r.value;
  };
  const path = resolve(f);
  if (path === '') errors.push(`${where}empty executable path in ExecStart=`);
  const argv: ExecWord[] = [];
  const noExp = prefixes.noEnvironmentExpansion;
  if (!prefixes.separateArgv0) argv.push({ value: path, offset: first.start + skipped, expansion: classify(path, noExp) });
  for (const w of list.slice(1)) {
    const v = value.slice(w.start, w.end) === '\\;' ? ';' : resolve(w.value);
    argv.push({ value: v, offset: w.start, expansion: classify(v, noExp) });
  }
  if (argv.length === 0) errors.push(`${where}empty executable name or zeroeth argument in ExecStart=`);
  return { path, argv, prefixes, errors, warnings };
}
