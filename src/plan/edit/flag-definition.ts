/**
 * One definition of kubelet arguments in a unit file or environment file, read into words whose
 * characters know their file offsets: an ExecStart= line, the value of a variable assigned by an
 * Environment= line, or by an EnvironmentFile= line. It is read by the same parsers the plan's
 * facts come from, so the bytes edited are those of the value the plan showed.
 */
import { envFileAssignments } from '../../facts/environment-file-syntax.js';
import { splitWords, type ExtractedWord as Word, type SourceChar } from '../../facts/systemd-words.js';
import { unitDirectiveAt } from './unit-directive.js';

export type FlagEditTarget =
  /** KEY=VALUE in an EnvironmentFile (e.g. /etc/default/kubelet, kubeadm-flags.env). */
  | { kind: 'environment-file'; variable: string; line: number }
  /** An Environment= directive in a unit or drop-in that assigns the variable. */
  | { kind: 'environment'; variable: string; line: number }
  /** Literal flags in an ExecStart= directive (may span lines with backslashes). */
  | { kind: 'exec-start'; line: number };

export interface FlagDefinition {
  /** How messages name it: `ExecStart=` or the variable. */
  label: string;
  /** The kubelet's arguments this definition contributes, in order (no binary path). */
  args: Word[];
  /** Variables only: the decoded value, before it is split into arguments. */
  value?: SourceChar[];
  /** Variables only: where an empty value is filled in, and whether that spot is inside quotes. */
  emptyAt?: { offset: number; quoted: boolean };
  /** Environment= only: the `NAME=value` word, to wrap it in quotes when a blank is added. */
  assignment?: Word;
  /** ExecStart= only: the first and last physical line. */
  lines?: { first: number; last: number };
}

/**
 * Words as systemd splits them, with their file offsets. Relaxed (as systemd splits `$VAR`) even
 * for ExecStart= and Environment=, where systemd would drop a line with an unbalanced quote: the
 * plan already reports that line, and here the words only locate the bytes of a flag.
 */
const wordsOf = (chars: SourceChar[], cunescape: boolean): Word[] => splitWords(chars, { unquote: true, cunescape, relax: true }).words;

/** Arguments of a variable's value: `$VAR` in ExecStart splits it on blanks and removes quotes. */
function argsOf(value: SourceChar[]): Word[] {
  return wordsOf(value, false);
}

function execStart(content: string, line: number, file: string): FlagDefinition {
  const d = unitDirectiveAt(content, line, file);
  if (d.key !== 'ExecStart') throw new Error(`${file}:${line}: expected an ExecStart= line, found ${d.key}=`);
  if (d.section !== 'Service') throw new Error(`${file}:${line}: this ExecStart= is not in the [Service] section`);
  const words = wordsOf(d.valueChars, true);
  const first = words[0];
  if (!first) throw new Error(`${file}:${line}: this ExecStart= is empty (it only resets earlier ones)`);
  const prefix = /^[-@:+!]*/.exec(first.value)?.[0] ?? '';
  const argsFrom = prefix.includes('@') ? 2 : 1;
  return { label: 'ExecStart=', args: words.slice(argsFrom), lines: { first: d.line, last: d.endLine } };
}

function environment(content: string, variable: string, line: number, file: string): FlagDefinition {
  const d = unitDirectiveAt(content, line, file);
  if (d.key !== 'Environment') throw new Error(`${file}:${line}: expected an Environment= line assigning ${variable}, found ${d.key}=`);
  if (d.section !== 'Service') throw new Error(`${file}:${line}: this Environment= is not in the [Service] section`);
  const assignments = wordsOf(d.valueChars, true);
  // Within one line too, a later assignment of the same variable replaces an earlier one.
  const assignment = assignments.filter((w) => w.value.startsWith(`${variable}=`)).pop();
  if (!assignment) throw new Error(`${file}:${line}: this Environment= line does not assign ${variable}`);
  const eq = assignment.chars[variable.length] as SourceChar;
  const value = assignment.chars.slice(variable.length + 1);
  return { label: variable, args: argsOf(value), value, emptyAt: { offset: eq.end, quoted: eq.quote !== null }, assignment };
}

function environmentFile(content: string, variable: string, line: number, file: string): FlagDefinition {
  const all = envFileAssignments(file, content).assignments;
  const a = all.find((x) => x.key === variable && x.line === line);
  if (!a) {
    const other = all.find((x) => x.line === line);
    throw new Error(`${file}:${line}: ${other ? `this line assigns ${other.key}, not ${variable}` : `this line does not assign ${variable}`}`);
  }
  const emptyAt = a.firstQuoteInside === undefined ? { offset: a.valueStart, quoted: false } : { offset: a.firstQuoteInside, quoted: true };
  return { label: variable, args: argsOf(a.value), value: a.value, emptyAt };
}

/** Reads the definition the target names; throws, naming the file and line, when it is not there. */
export function flagDefinition(content: string, target: FlagEditTarget, file: string): FlagDefinition {
  switch (target.kind) {
    case 'exec-start':
      return execStart(content, target.line, file);
    case 'environment':
      return environment(content, target.variable, target.line, file);
    case 'environment-file':
      return environmentFile(content, target.variable, target.line, file);
  }
}
