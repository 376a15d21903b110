/**
 * The command line systemd would start for kubelet.service, predicted from the unit files on disk,
 * with the file and line every argument comes from.
 *
 * systemd semantics followed (load-fragment.c, execute.c, env-util.c):
 * - [Service] directives of the fragment then each drop-in, in the order given;
 * - `ExecStart=` (empty) resets the list; more than one command is refused unless Type=oneshot;
 * - `Environment=` assignments apply in order (later wins); `Environment=` (empty) resets;
 * - `EnvironmentFile=` files are read at start, in order (later file wins), and their values
 *   override Environment= ones; a missing file without `-` makes the start fail;
 * - `$NAME` alone as a word splits (unset → no word), `${NAME}` substitutes inside a word.
 */
import { parseUnitFileDetailed, lineAt, formatProblem, type Directive } from '../facts/unit-file.js';
import { parseEnvironmentDirective, parseEnvironmentFile } from '../facts/environment-file.js';
import { parseExecCommand, substituteBraced, type ExecCommand } from '../facts/exec-command.js';
import { expandSpecifiers } from '../facts/unit-specifiers.js';
import { extractWords } from '../facts/systemd-words.js';
import type { Arg, ArgOrigin } from './types.js';

export interface UnitSource {
  path: string;
  content: string;
}

export interface EnvFileRead {
  exists: boolean;
  content?: string;
}

/** An argument plus how it was written when it came out of `${VAR}` substitution. */
export interface ExpandedArg extends Arg {
  /** The ExecStart word before expansion, when it contained `${...}` (e.g. `--node-labels=${L}`). */
  template?: { word: string; file: string; line: number; variables: string[] };
}

export interface EnvironmentFileRef {
  path: string;
  optional: boolean;
  exists: boolean;
  /** The EnvironmentFile= directive naming it. */
  file: string;
  line: number;
}

export interface EnvValue {
  value: string;
  /** Always an 'environment' or 'environment-file' origin. */
  origin: ArgOrigin;
  /** Lower-precedence definitions this value overrides, most recent first. */
  overrides: { value: string; origin: ArgOrigin }[];
}

export interface ServiceCommand {
  unitName: string;
  /** The ExecStart= directive that would run (the last one after resets). */
  execStart: Directive | undefined;
  command: ExecCommand | undefined;
  environment: Map<string, EnvValue>;
  environmentFiles: EnvironmentFileRef[];
  /** Expanded command line, argv[0] first, each argument with its origin. */
  argv: ExpandedArg[];
  /** Things systemd logs but lives with (ignored lines, unresolved variables ...), with file:line. */
  warnings: string[];
  /** Things that make systemd refuse to load or start the unit (the kubelet would not run). */
  errors: string[];
}

export interface ServiceCommandOptions {
  unitName?: string;
  systemdVersion?: number;
}

const MANAGER_VARIABLES = 'PATH, LANG, INVOCATION_ID, NOTIFY_SOCKET ...';

/**
 * @param units the fragment first, then drop-ins in the order systemd applies them
 *   (systemctl show -p DropInPaths order).
 * @param readEnvFile what an EnvironmentFile= path holds on the node.
 */
export function resolveServiceCommand(
  units: UnitSource[],
  readEnvFile: (path: string) => EnvFileRead,
  opts: ServiceCommandOptions = {},
): ServiceCommand {
  const unitName = opts.unitName ?? 'kubelet.service';
  const warnings: string[] = [];
  const errors: string[] = [];
  const versionOpts = opts.systemdVersion === undefined ? {} : { systemdVersion: opts.systemdVersion };

  let execStarts: Directive[] = [];
  let type = 'simple';
  let envDirective = new Map<string, EnvValue>();
  let envFileDirectives: { raw: string; d: Directive }[] = [];
  let unset: string[] = [];
  let passed: string[] = [];

  for (const unit of units) {
    const parsed = parseUnitFileDetailed(unit.path, unit.content, versionOpts);
    for (const p of parsed.problems) (p.severity === 'error' ? errors : warnings).push(formatProblem(p));
    for (const d of parsed.directives) {
      if (d.section !== 'Service') continue;
      switch (d.key) {
        case 'ExecStart':
          if (d.value === '') execStarts = [];
          else execStarts.push(d);
          break;
        case 'Type':
          type = d.value;
          break;
        case 'Environment': {
          const r = parseEnvironmentDirective(d.file, d.line, d.value, { unitName, lineOfOffset: (o) => lineAt(d, o) });
          warnings.push(...r.warnings);
          if (r.reset) envDirective = new Map();
          for (const a of r.assignments) {
            const origin: ArgOrigin = { kind: 'environment', variable: a.variable, file: a.file, line: a.line };
            const previous = envDirective.get(a.variable);
            const overrides = previous ? [{ value: previous.value, origin: previous.origin }, ...previous.overrides] : [];
            envDirective.set(a.variable, { value: a.value, origin, overrides });
          }
          break;
        }
        case 'EnvironmentFile':
          if (d.value === '') envFileDirectives = [];
          else envFileDirectives.push({ raw: d.value, d });
          break;
        case 'UnsetEnvironment':
          if (d.value === '') unset = [];
          else unset.push(...wordsOf(d.value));
          break;
        case 'PassEnvironment':
          if (d.value === '') passed = [];
          else passed.push(...wordsOf(d.value));
          break;
      }
    }
  }

  // EnvironmentFile= files, read at start time: later files and later lines win.
  const environmentFiles: EnvironmentFileRef[] = [];
  const fromFiles = new Map<string, EnvValue>();
  for (const { raw, d } of envFileDirectives) {
    const where = `${d.file}:${d.line}`;
    const spec = expandSpecifiers(raw, unitName);
    if (spec.error) {
      warnings.push(`${where}: failed to resolve unit specifiers in EnvironmentFile=${raw} (${spec.error}), ignoring`);
      continue;
    }
    const optional = spec.value.startsWith('-');
    const path = optional ? spec.value.slice(1) : spec.value;
    if (!path.startsWith('/')) {
      warnings.push(`${where}: EnvironmentFile=${raw} is not an absolute path, systemd ignores it`);
      continue;
    }
    if (/[*?[]/.test(path)) {
      warnings.push(`${where}: EnvironmentFile=${path} is a glob pattern: only a file of exactly that name is considered here`);
    }
    const read = readEnvFile(path);
    environmentFiles.push({ path, optional, exists: read.exists, file: d.file, line: d.line });
    if (!read.exists) {
      if (!optional) {
        errors.push(`${where}: EnvironmentFile=${path} does not exist: systemd fails to start the unit ("Failed to load environment files")`);
      }
      continue;
    }
    if (read.content === undefined) {
      warnings.push(`${where}: EnvironmentFile=${path} exists but could not be read: its variables are unknown`);
      continue;
    }
    const parsed = parseEnvironmentFile(path, read.content, versionOpts);
    warnings.push(...parsed.warnings);
    for (const a of parsed.assignments) {
      const origin: ArgOrigin = { kind: 'environment-file', variable: a.variable, file: a.file, line: a.line };
      const previous = fromFiles.get(a.variable);
      const overrides = previous ? [{ value: previous.value, origin: previous.origin }, ...previous.overrides] : [];
      fromFiles.set(a.variable, { value: a.value, origin, overrides });
    }
  }

  const environment = new Map<string, EnvValue>(envDirective);
  for (const [name, v] of fromFiles) {
    const below = envDirective.get(name);
    const overrides = below ? [...v.overrides, { value: below.value, origin: below.origin }, ...below.overrides] : v.overrides;
    environment.set(name, { ...v, overrides });
  }
  for (const u of unset) {
    const eq = u.indexOf('=');
    const name = eq < 0 ? u : u.slice(0, eq);
    const current = environment.get(name);
    if (current && (eq < 0 || current.value === u.slice(eq + 1))) environment.delete(name);
  }

  if (execStarts.length === 0) {
    errors.push(`${unitName} has no ExecStart= in [Service] (${units.map((u) => u.path).join(', ')}): systemd refuses to load it`);
    return { unitName, execStart: undefined, command: undefined, environment, environmentFiles, argv: [], warnings, errors };
  }
  if (execStarts.length > 1 && type !== 'oneshot') {
    const list = execStarts.map((d) => `${d.file}:${d.line}`).join(', ');
    errors.push(`${unitName} has more than one ExecStart= (${list}) and is not Type=oneshot: systemd refuses to load it (an empty "ExecStart=" line must reset the list first)`);
  }
  const execStart = execStarts[execStarts.length - 1] as Directive;
  const command = parseExecCommand(execStart.value, { unitName, where: `${execStart.file}:${execStart.line}` });
  errors.push(...command.errors);
  warnings.push(...command.warnings);

  const argv = expandArgv(command, execStart, environment, passed, warnings);
  return { unitName, execStart, command, environment, environmentFiles, argv, warnings, errors };
}

function wordsOf(value: string): string[] {
  const r = extractWords(value, { unquote: true, cunescape: true, relax: false });
  return r.words.map((w) => w.value);
}

function expandArgv(
  command: ExecCommand,
  d: Directive,
  env: Map<string, EnvValue>,
  passed: string[],
  warnings: string[],
): ExpandedArg[] {
  const argv: ExpandedArg[] = [];
  const reported = new Set<string>();
  const unsetWarning = (name: string, line: number): void => {
    if (reported.has(name)) return;
    reported.add(name);
    const why = passed.includes(name)
      ? 'it is imported from the service manager (PassEnvironment=), whose value is not known here'
      : `no Environment= or EnvironmentFile= sets it (systemd's own environment may: ${MANAGER_VARIABLES})`;
    warnings.push(`${d.file}:${line}: $${name} in ExecStart= expands to nothing: ${why}`);
  };
  for (const w of command.argv) {
    const line = lineAt(d, w.offset);
    const literal: ArgOrigin = { kind: 'exec-start', file: d.file, line };
    if (command.prefixes.noEnvironmentExpansion) {
      argv.push({ value: w.value, origin: literal });
      continue;
    }
    switch (w.expansion.kind) {
      case 'split': {
        const name = w.expansion.variable;
        const v = w.expansion.validName ? env.get(name) : undefined;
        if (!w.expansion.validName) {
          warnings.push(`${d.file}:${line}: "${w.value}" in ExecStart= is not a valid variable reference: systemd drops the word`);
          break;
        }
        if (!v) {
          unsetWarning(name, line);
          break;
        }
        // replace_env_argv: strv_split_full(WHITESPACE, EXTRACT_RELAX|EXTRACT_UNQUOTE).
        const parts = extractWords(v.value, { unquote: true, cunescape: false, relax: true });
        for (const p of parts.words) argv.push({ value: p.value, origin: v.origin });
        break;
      }
      case 'substitute':
      case 'literal': {
        const r = substituteBraced(w.value, (name) => env.get(name)?.value);
        if (r.references.length === 0) {
          argv.push({ value: r.value, origin: literal });
          break;
        }
        for (const ref of r.references) if (!ref.set) unsetWarning(ref.variable, line);
        // The argument's origin is the variable that supplies its content: that is what to edit
        // to change the value. The template keeps the literal part (e.g. "--node-labels=").
        const supplying = r.references.find((ref) => ref.set && (env.get(ref.variable)?.value ?? '') !== '');
        const origin = supplying ? (env.get(supplying.variable) as EnvValue).origin : literal;
        argv.push({
          value: r.value,
          origin,
          template: { word: w.value, file: d.file, line, variables: r.references.map((ref) => ref.variable) },
        });
        break;
      }
    }
  }
  return argv;
}
