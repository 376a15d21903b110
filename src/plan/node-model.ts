/**
 * The kubelet as the files describe it: the command line systemd would start now (unit,
 * drop-ins, environment), the --config file and --config-dir drop-ins it names. Built twice:
 * from the running process's argv ("now") and from the files ("after a restart").
 */
import type { FileFact, NodeFacts } from '../facts/types.js';
import { ConfigFileError, parseKubeletConfig, type KubeletConfigFile } from '../kubelet/config-file.js';
import { parseKubeletFlags } from '../kubelet/flags.js';
import { attributeRunningArgv } from '../kubelet/running-argv.js';
import { resolveServiceCommand, type ServiceCommand } from '../kubelet/service-command.js';
import type { Arg, FlagOccurrence } from '../kubelet/types.js';
import type { ConfigSource } from '../settings/effective.js';
import { describeOrigin } from '../settings/describe.js';
import { PlanError } from './errors.js';

export type FileIndex = Map<string, FileFact>;

export interface ParsedConfig extends ConfigSource {
  format: 'json' | 'yaml';
}

export interface KubeletSide {
  argv: Arg[];
  /** The ExecStart= directive (first line) that literal flags belong to. */
  execStart?: { file: string; line: number };
  flags: FlagOccurrence[];
  flagErrors: string[];
  hasConfigFlag: boolean;
  configPath?: string;
  configFlag?: FlagOccurrence;
  config?: ParsedConfig;
  configDirPath?: string;
  configDir: ParsedConfig[];
}

export interface NodeModel {
  unitPaths: string[];
  service: ServiceCommand;
  /** What a restart would start, from the files as they are now. */
  predicted: KubeletSide;
  /** What runs now, from /proc; absent when the kubelet is not running. */
  running?: KubeletSide;
  argvDiffers: boolean;
}

export function indexFiles(facts: NodeFacts): FileIndex {
  return new Map(facts.files.map((f) => [f.path, f]));
}

function readable(files: FileIndex, path: string, what: string): string {
  const f = files.get(path);
  if (!f || !f.exists) throw new PlanError(`${what} ${path} does not exist`);
  if (f.error !== undefined || f.content === undefined) throw new PlanError(`${what} ${path} could not be read: ${f.error ?? 'no content'}`);
  return f.content;
}

function lastFlag(flags: FlagOccurrence[], name: string): FlagOccurrence | undefined {
  return flags.filter((f) => f.name === name).at(-1);
}

/** The kubelet resolves relative paths against its working directory, which systemd sets to /. */
function absolute(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

/**
 * The kubelet decodes a config file or drop-in only as kubelet.config.k8s.io/v1beta1
 * KubeletConfiguration: without them it does not start ("no apiVersion/kind" for a drop-in,
 * k8s issue #124796), so values read from such a file would describe a kubelet that never runs.
 */
function requireTypeMeta(parsed: KubeletConfigFile): void {
  for (const [field, expected] of [['apiVersion', 'kubelet.config.k8s.io/v1beta1'], ['kind', 'KubeletConfiguration']] as const) {
    const value = parsed.data[field];
    if (value === expected) continue;
    const line = parsed.lineOf([field]) ?? 1;
    const found = value === undefined ? 'is missing' : `is ${JSON.stringify(value)}`;
    throw new ConfigFileError(parsed.path, line, undefined, `${field} ${found}; the kubelet only loads ${field} ${expected} and refuses to start`);
  }
}

function parseConfigFile(files: FileIndex, path: string, what: string): ParsedConfig {
  const content = readable(files, path, what);
  if (content.trim() === '') throw new PlanError(`${what} ${path} is empty (the kubelet refuses an empty config file)`);
  try {
    const parsed = parseKubeletConfig(path, content);
    requireTypeMeta(parsed);
    return { file: path, data: parsed.data, format: parsed.format, lineOf: parsed.lineOf };
  } catch (err) {
    // The parser's message already starts with path:line:column; say which flag named the file.
    const message = (err as Error).message;
    throw new PlanError(`invalid ${what.replace(/ \(.*$/, '')} ${message.startsWith(path) ? message : `${path}: ${message}`}${what.includes('(') ? ` ${what.slice(what.indexOf('('))}` : ''}`);
  }
}

/**
 * filepath.WalkDir order of paths relative to the walked directory: names sorted bytewise within
 * each directory, a subdirectory's files where its name sorts. A whole-path string sort differs
 * ("a/x.conf" is walked before "a-b.conf": "a" < "a-b.conf", but "-" < "/"), and the later drop-in wins.
 */
function walkOrder(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = Buffer.compare(Buffer.from(pa[i]!), Buffer.from(pb[i]!));
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

export function buildSide(argv: Arg[], files: FileIndex, dirs: NodeFacts['dirs']): KubeletSide {
  const { flags, errors } = parseKubeletFlags(argv.slice(1));
  const configFlag = lastFlag(flags, 'config');
  const side: KubeletSide = { argv, flags, flagErrors: errors, hasConfigFlag: configFlag !== undefined, configDir: [] };
  if (configFlag) {
    side.configFlag = configFlag;
    side.configPath = absolute(configFlag.value);
    side.config = parseConfigFile(files, side.configPath, `kubelet config file (--config in ${describeOrigin(configFlag.origin)})`);
  }
  const dirFlag = lastFlag(flags, 'config-dir');
  if (dirFlag && dirFlag.value !== '') {
    side.configDirPath = absolute(dirFlag.value);
    const dir = dirs.find((d) => d.path === side.configDirPath);
    // The kubelet reads only *.conf drop-ins, in filepath.WalkDir order.
    const names = (dir?.entries ?? []).filter((n) => n.endsWith('.conf')).sort(walkOrder);
    side.configDir = names.map((n) => parseConfigFile(files, `${side.configDirPath}/${n}`, 'kubelet config drop-in'));
  }
  return side;
}

export function buildNodeModel(facts: NodeFacts, files: FileIndex = indexFiles(facts)): NodeModel {
  const unitPaths = [facts.unit.fragmentPath, ...facts.unit.dropInPaths].filter((p) => p !== '');
  if (unitPaths.length === 0) throw new PlanError(`${facts.unit.name} has no unit file (FragmentPath is empty)`);
  const units = unitPaths.map((path) => ({ path, content: readable(files, path, 'unit file') }));
  let service: ServiceCommand;
  try {
    service = resolveServiceCommand(
      units,
      (path) => {
        const f = files.get(path);
        return f && f.exists && f.content !== undefined ? { exists: true, content: f.content } : { exists: false };
      },
      { unitName: facts.unit.name, ...(facts.systemdVersion !== undefined ? { systemdVersion: facts.systemdVersion } : {}) },
    );
  } catch (err) {
    throw new PlanError((err as Error).message);
  }
  if (!service.execStart || service.argv.length === 0) {
    throw new PlanError(`${facts.unit.name} has no ExecStart= in ${unitPaths.join(', ')}`);
  }
  if (service.errors.length) {
    throw new PlanError(`systemd would not start ${facts.unit.name} from its files: ${service.errors.join('; ')}`);
  }
  const execStart = { file: service.execStart.file, line: service.execStart.line };
  const predicted = { ...buildSide(service.argv, files, facts.dirs), execStart };
  let running: KubeletSide | undefined;
  let argvDiffers = false;
  if (facts.process) {
    const attributed = attributeRunningArgv(facts.process.argv, service.argv);
    argvDiffers = attributed.argvDiffers;
    running = { ...buildSide(attributed.argv, files, facts.dirs), execStart };
  }
  return { unitPaths, service, predicted, ...(running ? { running } : {}), argvDiffers };
}
