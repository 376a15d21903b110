/**
 * Edits a kubelet flag where it is defined (ExecStart=, Environment=, EnvironmentFile=), touching
 * only the bytes of the flag's value: quotes, spacing, order, continuation backslashes and the
 * other assignments on the line stay as they are.
 */
import { flagDefinition, type FlagDefinition, type FlagEditTarget } from './flag-definition.js';
import type { ExtractedWord as Word, SourceChar } from '../../facts/systemd-words.js';
import { applySplices, indentOf, lineEnding, lineStartOf, offsetOfLine, startsItsLine, type Splice } from './text-lines.js';

export type { FlagEditTarget } from './flag-definition.js';

/**
 * Values we write are simple (Webhook, true, 0, a path): characters that mean the same unquoted,
 * inside '...' and inside "..." in every syntax involved (unit file, env file, `$VAR` splitting).
 * Anything else is refused rather than escaped for one syntax and misread by another.
 */
const SAFE_VALUE = /^[A-Za-z0-9._:/,=@+-]+$/;
const FLAG_NAME = /^--[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** The kubelet normalizes `_` to `-` in flag names (WordSepNormalizeFunc). */
const normalize = (name: string): string => name.replaceAll('_', '-');

interface Occurrence {
  flag: Word;
  /** The value characters (possibly none), or undefined for a bare `--k`. */
  value?: SourceChar[];
  /** Where the value starts when it is empty: just after `=`, or inside the empty quotes of `--k ""`. */
  emptyAt?: number;
  form: 'inline' | 'separate' | 'bare';
}

/** Every occurrence of the flag among the arguments, as pflag reads them (stops at `--`). */
function occurrences(args: Word[], flag: string, isBoolean: boolean, where: string): Occurrence[] {
  const name = normalize(flag.slice(2));
  const out: Occurrence[] = [];
  for (let i = 0; i < args.length; i++) {
    const w = args[i] as Word;
    if (w.value === '--') break;
    if (!w.value.startsWith('--')) continue;
    const eq = w.value.indexOf('=');
    if (normalize(w.value.slice(2, eq === -1 ? undefined : eq)) !== name) continue;
    if (eq !== -1) {
      const eqChar = w.chars[eq] as SourceChar;
      out.push({ flag: w, value: w.chars.slice(eq + 1), emptyAt: eqChar.end, form: 'inline' });
    } else if (isBoolean) {
      out.push({ flag: w, form: 'bare' });
    } else {
      const next = args[i + 1];
      if (!next) throw new Error(`${where}: ${w.value} is the last argument here; its value comes from outside this definition`);
      out.push({ flag: w, value: next.chars, emptyAt: next.start + 1, form: 'separate' });
      i++;
    }
  }
  return out;
}

function checkInputs(flag: string, value: string, where: string): void {
  if (!FLAG_NAME.test(flag)) throw new Error(`${where}: "${flag}" is not a flag name of the form --name`);
  if (!SAFE_VALUE.test(value)) {
    throw new Error(`${where}: refusing to write ${flag}=${value}: the value has characters that would need quoting`);
  }
}

function valueSplice(o: Occurrence, value: string, content: string, where: string): Splice | undefined {
  if (o.form === 'bare') {
    const last = o.flag.chars[o.flag.chars.length - 1] as SourceChar;
    return { start: last.end, end: last.end, text: `=${value}` };
  }
  const chars = o.value ?? [];
  if (chars.map((c) => c.ch).join('') === value) return undefined;
  const first = chars[0];
  const last = chars[chars.length - 1];
  if (!first || !last) {
    const at = o.emptyAt ?? o.flag.end;
    return { start: at, end: at, text: value };
  }
  // Replacing a span that opens or closes a quote would unbalance it; such values are rare enough to leave to a person.
  for (let i = 1; i < chars.length; i++) {
    const gap = content.slice((chars[i - 1] as SourceChar).end, (chars[i] as SourceChar).start);
    if (/["']/.test(gap)) throw new Error(`${where}: the value of ${o.flag.value.split('=')[0]} is only partly quoted; edit it by hand`);
  }
  return { start: first.start, end: last.end, text: value };
}

/** Re-reads the edited definition and checks it now says what we meant (a guard against our own bugs). */
function verify(result: string, target: FlagEditTarget, flag: string, value: string, isBoolean: boolean, file: string, where: string): void {
  const def = flagDefinition(result, target, file);
  const found = occurrences(def.args, flag, isBoolean, where);
  const values = found.map((o) => (o.form === 'bare' ? 'true' : (o.value ?? []).map((c) => c.ch).join('')));
  if (values.length === 0 || values.some((v) => v !== value)) {
    throw new Error(`internal: after editing ${where}, ${flag} reads back as [${values.join(', ')}], not ${value}`);
  }
}

/**
 * Rewrites every occurrence of `flag` inside the one definition `target` names: `--k=v` and
 * `--k v` get the new value in place of the old one, a bare boolean `--k` becomes `--k=value`.
 * Throws, naming the file and line, when the target does not define the flag there.
 */
export function setFlag(content: string, target: FlagEditTarget, flag: string, value: string, isBoolean: boolean, file: string): string {
  const where = `${file}:${target.line}`;
  checkInputs(flag, value, where);
  const def = flagDefinition(content, target, file);
  const found = occurrences(def.args, flag, isBoolean, where);
  if (found.length === 0) throw new Error(`${where}: ${def.label} does not contain ${flag}`);
  const splices = found.map((o) => valueSplice(o, value, content, where)).filter((s): s is Splice => s !== undefined);
  if (splices.length === 0) return content;
  const result = applySplices(content, splices);
  verify(result, target, flag, value, isBoolean, file, where);
  return result;
}

/** A `$VAR` or `${VAR}` argument: it expands at start-up, so it is not a literal flag. */
const isExpansion = (w: Word): boolean => /^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)$/.test(w.value);
/** `--name` with no `=`: it may take the next argument as its value, so nothing may be put between them. */
const mayTakeNext = (w: Word): boolean => w.value.startsWith('--') && !w.value.includes('=');

function addToExecStart(content: string, def: FlagDefinition, text: string): Splice {
  const args = def.args;
  let k = args.length;
  while (k > 0 && isExpansion(args[k - 1] as Word)) k--;
  while (k > 0 && k < args.length && mayTakeNext(args[k - 1] as Word)) k--;
  const eol = lineEnding(content);
  const firstLineStart = offsetOfLine(content, def.lines?.first ?? 1);
  const onOwnLine = (w: Word): boolean => startsItsLine(content, w.start) && lineStartOf(content, w.start) !== firstLineStart;
  const before = args[k];
  if (before) {
    if (def.lines && def.lines.last > def.lines.first && onOwnLine(before)) {
      const at = lineStartOf(content, before.start);
      return { start: at, end: at, text: `${indentOf(content, before.start)}${text} \\${eol}` };
    }
    return { start: before.start, end: before.start, text: `${text} ` };
  }
  const last = args[args.length - 1];
  if (!last) throw new Error('internal: an ExecStart= without arguments reached addToExecStart');
  if (def.lines && def.lines.last > def.lines.first && onOwnLine(last)) {
    return { start: last.end, end: last.end, text: ` \\${eol}${indentOf(content, last.start)}${text}` };
  }
  return { start: last.end, end: last.end, text: ` ${text}` };
}

function addToVariable(content: string, def: FlagDefinition, target: FlagEditTarget, text: string): Splice[] {
  const value = def.value ?? [];
  let lastIndex = value.length - 1;
  while (lastIndex >= 0 && /\s/.test((value[lastIndex] as SourceChar).ch)) lastIndex--;
  const last = value[lastIndex];
  if (!last) {
    const at = value[0]?.start ?? def.emptyAt?.offset ?? 0;
    return [{ start: at, end: at, text }];
  }
  const addition = ` ${text}`;
  if (last.quote !== null || target.kind === 'environment-file') return [{ start: last.end, end: last.end, text: addition }];
  // Environment= splits its value on unquoted blanks, so the added blank must be quoted.
  const word = def.assignment;
  if (word && !/["']/.test(content.slice(word.start, word.end))) {
    return [
      { start: word.start, end: word.start, text: '"' },
      { start: last.end, end: last.end, text: `${addition}"` },
    ];
  }
  return [{ start: last.end, end: last.end, text: `"${addition}"` }];
}

/**
 * Adds `flag=value` to the definition `target` names: at the end of a variable's value (inside
 * its quotes), or in ExecStart= as the last literal flag before any trailing `$VAR` expansions,
 * on a continuation line of its own when the command is written one flag per line. Throws when
 * the flag is already there (use setFlag) or the target does not define what it says.
 */
export function addFlag(content: string, target: FlagEditTarget, flag: string, value: string, file: string): string {
  const where = `${file}:${target.line}`;
  checkInputs(flag, value, where);
  const def = flagDefinition(content, target, file);
  const name = normalize(flag.slice(2));
  const present = def.args.find((w) => w.value.startsWith('--') && normalize(w.value.slice(2).split('=')[0] ?? '') === name);
  if (present) throw new Error(`${where}: ${def.label} already contains ${present.value}; set it instead of adding another`);
  const text = `${flag}=${value}`;
  const splices = target.kind === 'exec-start' ? [addToExecStart(content, def, text)] : addToVariable(content, def, target, text);
  const result = applySplices(content, splices);
  verify(result, target, flag, value, false, file, where);
  return result;
}
