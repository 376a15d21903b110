/**
 * One definition of kubelet arguments in a unit file or environment file, read into words whose
 * characters know their file offsets: an ExecStart= line, the value of a variable assigned by an
 * Environment= line, or by an EnvironmentFile= line.
 */
import { envAssignments } from './env-file-assignment.js';
import { splitWords, type SourceChar, type Word } from './systemd-words.js';
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

/** Arguments of a variable's value: `$VAR` in ExecStart splits it on blanks and removes quotes. */
function argsOf(value: SourceChar[]): Word[] {
  return splitWords(value, { cunescape: false });
}

function execStart(content: string, line: number, file: string): FlagDefinition {
  const d = unitDirectiveAt(content, line, file);
  if (d.key !== 'ExecStart') throw new Error(`${file}:${line}: expected an ExecStart= line, found ${d.key}=`);
  if (d.section !== 'Service') throw new Error(`${file}:${line}: this ExecStart= is not in the [Service] section`);
  const words = splitWords(d.value, { cunescape: true });
  const first = words[0];
  if (!first) throw new Error(`${file}:${line}: this ExecStart= is empty (it only resets earlier ones)`);
  const prefix = /^[-@:+!]*/.exec(first.text)?.[0] ?? '';
  const argsFrom = prefix.includes('@') ? 2 : 1;
  return { label: 'ExecStart=', args: words.slice(argsFrom), lines: { first: d.firstLine, last: d.lastLine } };
}

function environment(content: string, variable: string, line: number, file: string): FlagDefinition {
  const d = unitDirectiveAt(content, line, file);
  if (d.key !== 'Environment') throw new Error(`${file}:${line}: expected an Environment= line assigning ${variable}, found ${d.key}=`);
  if (d.section !== 'Service') throw new Error(`${file}:${line}: this Environment= is not in the [Service] section`);
  const assignments = splitWords(d.value, { cunescape: true });
  // Within one line too, a later assignment of the same variable replaces an earlier one.
  const assignment = assignments.filter((w) => w.text.startsWith(`${variable}=`)).pop();
  if (!assignment) throw new Error(`${file}:${line}: this Environment= line does not assign ${variable}`);
  const eq = assignment.chars[variable.length] as SourceChar;
  const value = assignment.chars.slice(variable.length + 1);
  return { label: variable, args: argsOf(value), value, emptyAt: { offset: eq.end, quoted: eq.quote !== null }, assignment };
}

function environmentFile(content: string, variable: string, line: number, file: string): FlagDefinition {
  const all = envAssignments(content);
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
