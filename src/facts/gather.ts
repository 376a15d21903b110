/**
 * Read a node's kubelet facts over a Transport in as few round trips as possible:
 *  1. PROBE_SCRIPT: systemd version, `systemctl show kubelet.service`, /proc/MAINPID, the unit
 *     files and the environment files systemd has loaded;
 *  2. READ_FILES_SCRIPT: environment files only the files on disk name, the --config file and
 *     --config-dir of both the running and the predicted command line.
 * A third trip happens only when an environment file read in trip 2 names yet another config
 * path (units edited on disk to use an environment file systemd has not loaded).
 */
import { NodeError, SudoError } from '../transport/errors.js';
import { shellQuote } from '../transport/shell-quote.js';
import type { ExecResult, Transport } from '../transport/transport.js';
import { parseKubeletFlags, lastFlag } from '../kubelet/flags.js';
import { resolveServiceCommand } from '../kubelet/service-command.js';
import type { Arg } from '../kubelet/types.js';
import { parseProbeOutput, parseReadFilesOutput, RecordFormatError } from './gather-output.js';
import { PROBE_SCRIPT, READ_FILES_SCRIPT } from './remote-scripts.js';
import { parseEnvironmentFilesEntry, unitFactsFromShow } from './systemctl-show.js';
import type { DirFact, FileFact, NodeFacts } from './types.js';

const TIMEOUT_MS = 60_000;

async function runScript(t: Transport, node: string, what: string, script: string, args: string[]): Promise<ExecResult> {
  const command = ['sh', '-s', '--', ...args.map(shellQuote)].join(' ');
  const r = await t.exec(command, { stdin: script, sudo: true, timeoutMs: TIMEOUT_MS });
  if (/^sudo: (a password is required|a terminal is required)/m.test(r.stderr)) {
    throw new SudoError(node, `sudo on ${node} needs a password (sudo -n failed): configure NOPASSWD for this user or connect as root`);
  }
  if (r.code !== 0) {
    const detail = r.stderr.trim().split('\n').slice(-3).join(' / ') || `exit status ${r.code ?? 'none (killed)'}`;
    throw new NodeError(node, 'facts', `reading ${what} failed on ${node}: ${detail}`);
  }
  return r;
}

/** Read files and directories (with their *.conf files) in one round trip. */
export async function readFiles(
  t: Transport,
  paths: string[],
  dirs: string[],
  node: string = t.identity.name,
): Promise<{ files: FileFact[]; dirs: DirFact[] }> {
  if (paths.length === 0 && dirs.length === 0) return { files: [], dirs: [] };
  const args = [...paths.flatMap((p) => ['f', p]), ...dirs.flatMap((d) => ['d', d])];
  const r = await runScript(t, node, 'files', READ_FILES_SCRIPT, args);
  try {
    return parseReadFilesOutput(r.stdout);
  } catch (err) {
    if (err instanceof RecordFormatError) throw new NodeError(node, 'facts', `unexpected output while reading files on ${node}: ${err.message}`);
    throw err;
  }
}

/** The kubelet resolves a relative --config against its working directory: / for a system service. */
function absolute(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

function configTargets(argv: string[]): { files: string[]; dirs: string[] } {
  const { flags } = parseKubeletFlags(argv.slice(1).map((value): Arg => ({ value, origin: { kind: 'process' } })));
  const config = lastFlag(flags, 'config');
  const dir = lastFlag(flags, 'config-dir');
  return {
    files: config && config.value !== '' ? [absolute(config.value)] : [],
    dirs: dir && dir.value !== '' ? [absolute(dir.value)] : [],
  };
}

export async function gatherFacts(t: Transport, node: string): Promise<NodeFacts> {
  const r1 = await runScript(t, node, 'kubelet.service', PROBE_SCRIPT, []);
  let probe;
  try {
    probe = parseProbeOutput(r1.stdout);
  } catch (err) {
    if (err instanceof RecordFormatError) throw new NodeError(node, 'facts', `unexpected output from the probe on ${node}: ${err.message}`);
    throw err;
  }
  if (probe.showExitCode !== 0) {
    const why = probe.showText.trim().split('\n')[0] || `exit status ${probe.showExitCode}`;
    throw new NodeError(node, 'facts', `systemctl show kubelet.service failed on ${node}: ${why}`);
  }
  const unit = unitFactsFromShow(node, probe.show);
  const warnings: string[] = [];
  const files = new Map<string, FileFact>(probe.files.map((f) => [f.path, f]));
  const dirs = new Map<string, DirFact>();

  const unitPaths = [unit.fragmentPath, ...unit.dropInPaths].filter((p) => p !== '');
  const predict = (): { argv: string[]; envFiles: string[] } => {
    const units = unitPaths.flatMap((path) => {
      const f = files.get(path);
      return f?.content !== undefined ? [{ path, content: f.content }] : [];
    });
    const envFiles: string[] = [];
    const service = resolveServiceCommand(
      units,
      (path) => {
        envFiles.push(path);
        const f = files.get(path);
        return f ? { exists: f.exists, ...(f.content !== undefined ? { content: f.content } : {}) } : { exists: false };
      },
      { unitName: unit.name, ...(probe.systemdVersion !== undefined ? { systemdVersion: probe.systemdVersion } : {}) },
    );
    return { argv: service.argv.map((a) => a.value), envFiles };
  };

  const wanted = (): { files: string[]; dirs: string[] } => {
    const p = predict();
    const fromRunning = probe.process ? configTargets(probe.process.argv) : { files: [], dirs: [] };
    const fromFiles = configTargets(p.argv);
    const loadedEnv = unit.environmentFiles.map((e) => parseEnvironmentFilesEntry(e).path);
    const needFiles = [...new Set([...p.envFiles, ...loadedEnv, ...fromRunning.files, ...fromFiles.files])].filter((f) => !files.has(f));
    const needDirs = [...new Set([...fromRunning.dirs, ...fromFiles.dirs])].filter((d) => !dirs.has(d));
    return { files: needFiles, dirs: needDirs };
  };

  // Trip 2, and a third only if what trip 2 read names something new.
  for (let trip = 2; trip <= 3; trip++) {
    const need = wanted();
    if (need.files.length === 0 && need.dirs.length === 0) break;
    const read = await readFiles(t, need.files, need.dirs, node);
    for (const f of read.files) files.set(f.path, f);
    for (const d of read.dirs) dirs.set(d.path, d);
    // Paths asked for but not answered (should not happen): recorded as unreadable, not missing.
    for (const p of need.files) if (!files.has(p)) files.set(p, { path: p, exists: false, error: 'not reported by the node' });
    for (const d of need.dirs) if (!dirs.has(d)) dirs.set(d, { path: d, exists: false, entries: [] });
  }
  const left = wanted();
  if (left.files.length > 0 || left.dirs.length > 0) {
    warnings.push(`not read (named only by files read last): ${[...left.files, ...left.dirs].join(', ')}`);
  }
  for (const p of unitPaths) {
    const f = files.get(p);
    if (f && f.content === undefined) warnings.push(`unit file ${p} could not be read: ${f.error ?? 'missing'}`);
  }

  const facts: NodeFacts = {
    node,
    unit,
    process: probe.process,
    files: [...files.values()],
    dirs: [...dirs.values()],
  };
  if (probe.systemdVersion !== undefined) facts.systemdVersion = probe.systemdVersion;
  if (probe.now !== undefined) facts.now = probe.now;
  if (warnings.length > 0) facts.warnings = warnings;
  return facts;
}
