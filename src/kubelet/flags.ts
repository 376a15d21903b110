/**
 * The kubelet's command line read as pflag reads it (spf13/pflag flag.go parseArgs /
 * parseLongArg / parseShortArg), with the kubelet's own rules on top (cmd/kubelet/app/server.go):
 * flag names normalized with WordSepNormalizeFunc ("_" → "-"), and any positional argument
 * rejected with "unknown command".
 */
import type { Arg, ArgOrigin, FlagOccurrence } from './types.js';
import { KUBELET_BOOLEAN_FLAGS, KUBELET_SHORTHANDS, KUBELET_VALUE_FLAGS } from './flag-names.js';

export interface KubeletFlagParse {
  flags: FlagOccurrence[];
  /** What makes the kubelet exit at start (it parses the whole command line first). */
  errors: string[];
  /** Flags this tool does not know (they may exist in the node's kubelet version). */
  warnings: string[];
}

// strconv.ParseBool, which pflag's boolValue.Set uses.
const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export function normalizeFlagName(name: string): string {
  return name.replace(/_/g, '-');
}

function from(origin: ArgOrigin): string {
  switch (origin.kind) {
    case 'exec-start':
      return `ExecStart= at ${origin.file}:${origin.line}`;
    case 'environment':
      return `$${origin.variable}, Environment= at ${origin.file}:${origin.line}`;
    case 'environment-file':
      return `$${origin.variable}, ${origin.file}:${origin.line}`;
    case 'process':
      return 'the running process';
  }
}

/** Parse the kubelet's arguments (argv without argv[0]). */
export function parseKubeletFlags(args: Arg[]): KubeletFlagParse {
  const flags: FlagOccurrence[] = [];
  const errors: string[] = [];
  const warnings: string[] = [];
  let afterDashDash = false;
  let previousBareBoolean: FlagOccurrence | undefined;

  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as Arg;
    const s = arg.value;
    const bare = previousBareBoolean;
    previousBareBoolean = undefined;

    if (afterDashDash || s === '' || s[0] !== '-' || s === '-') {
      const hint = bare
        ? ` (--${bare.name} is a boolean flag: its value must be written --${bare.name}=${s})`
        : '';
      errors.push(`stray argument "${s}" (from ${from(arg.origin)}): the kubelet exits with "unknown command ${s}"${hint}`);
      continue;
    }
    if (s === '--') {
      afterDashDash = true;
      continue;
    }

    if (s[1] === '-') {
      const body = s.slice(2);
      if (body === '' || body[0] === '-' || body[0] === '=') {
        errors.push(`bad flag syntax: ${s} (from ${from(arg.origin)})`);
        continue;
      }
      const eq = body.indexOf('=');
      const written = eq < 0 ? body : body.slice(0, eq);
      const name = normalizeFlagName(written);
      const base = { name, index: i, origin: arg.origin };
      if (name === 'help') errors.push(`--help (from ${from(arg.origin)}) makes the kubelet print its usage and exit`);
      if (KUBELET_BOOLEAN_FLAGS.has(name)) {
        if (eq < 0) {
          const occ: FlagOccurrence = { ...base, value: 'true', text: s, separateValue: false };
          flags.push(occ);
          previousBareBoolean = occ;
          continue;
        }
        const raw = body.slice(eq + 1);
        const value = TRUE_WORDS.has(raw) ? 'true' : FALSE_WORDS.has(raw) ? 'false' : raw;
        if (name !== 'version' && !TRUE_WORDS.has(raw) && !FALSE_WORDS.has(raw)) {
          errors.push(`invalid argument "${raw}" for "${s}" (from ${from(arg.origin)}): not a boolean (strconv.ParseBool)`);
        }
        flags.push({ ...base, value, text: s, separateValue: false });
        continue;
      }
      const known = KUBELET_VALUE_FLAGS.has(name);
      if (!known) warnings.push(`unknown flag --${name} (from ${from(arg.origin)}): a kubelet that does not define it exits with "unknown flag: --${name}"`);
      if (eq >= 0) {
        flags.push({ ...base, value: body.slice(eq + 1), text: s, separateValue: false });
        continue;
      }
      const next = args[i + 1];
      // An unknown flag followed by another flag is taken to be valueless: we cannot know its type.
      if (next === undefined || (!known && next.value.startsWith('-'))) {
        if (known) errors.push(`flag needs an argument: ${s} (from ${from(arg.origin)})`);
        else flags.push({ ...base, value: 'true', text: s, separateValue: false });
        continue;
      }
      i++;
      flags.push({
        ...base,
        value: next.value,
        text: `${s} ${next.value}`,
        separateValue: true,
        valueOrigin: next.origin,
      });
      continue;
    }

    // Shorthand: -v=2, -v2, -v 2 (pflag parseSingleShortArg).
    const shorthands = s.slice(1);
    const letter = shorthands[0] as string;
    const name = KUBELET_SHORTHANDS[letter];
    if (name === undefined) {
      errors.push(`unknown shorthand flag: '${letter}' in ${s} (from ${from(arg.origin)})`);
      continue;
    }
    const base = { name, index: i, origin: arg.origin };
    if (name === 'help') {
      errors.push(`${s} (from ${from(arg.origin)}) makes the kubelet print its usage and exit`);
      flags.push({ ...base, value: 'true', text: s, separateValue: false });
      continue;
    }
    if (shorthands.length > 2 && shorthands[1] === '=') {
      flags.push({ ...base, value: shorthands.slice(2), text: s, separateValue: false });
    } else if (shorthands.length > 1) {
      flags.push({ ...base, value: shorthands.slice(1), text: s, separateValue: false });
    } else {
      const next = args[i + 1];
      if (next === undefined) {
        errors.push(`flag needs an argument: '${letter}' in ${s} (from ${from(arg.origin)})`);
        continue;
      }
      i++;
      flags.push({ ...base, value: next.value, text: `${s} ${next.value}`, separateValue: true, valueOrigin: next.origin });
    }
  }
  return { flags, errors, warnings };
}

/** The occurrence pflag keeps: the last one. `name` without dashes, e.g. "authorization-mode". */
export function lastFlag(flags: FlagOccurrence[], name: string): FlagOccurrence | undefined {
  const wanted = normalizeFlagName(name.replace(/^--?/, ''));
  for (let i = flags.length - 1; i >= 0; i--) {
    const f = flags[i] as FlagOccurrence;
    if (f.name === wanted) return f;
  }
  return undefined;
}
