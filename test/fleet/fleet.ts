// Test nodes for fleet tests: real systemd + sshd + sudo in systemd-nspawn, driven by
// fleet/fleet.sh (see its header). Each test file starts its own uniquely named nodes in
// beforeAll and stops them in afterAll. Needs root.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FLEET_SH = resolve(dirname(fileURLToPath(import.meta.url)), '../../fleet/fleet.sh');

export interface FleetNode { name: string; address: string; port: number; user: string; layout: string; scenario: string }

export interface NodeSpec {
  name: string;
  layout: string;
  scenario: string;
  /** e.g. 'sudo=password' */
  options?: string[];
}

export interface CommandResult { stdout: string; stderr: string; code: number }

export interface Fleet {
  dir: string;
  sshConfig: string;
  knownHosts: string;
  identityFile: string;
  /** Every node of the fleet directory, as in its nodes.json. */
  nodes: FleetNode[];
  node(name: string): FleetNode;
  /** Runs `command` on the node as azureuser with the real /usr/bin/ssh -F sshConfig. */
  ssh(name: string, command: string): Promise<CommandResult>;
  /** Re-applies a layout/scenario on a running node (daemon-reload, restart, settle). */
  layout(name: string, layout: string, scenario: string): Promise<void>;
  /** Stops every node of the fleet; removes the directory if startFleet created it. */
  stop(): Promise<void>;
}

/** Runs a program without a shell; resolves with its exit code instead of rejecting. */
export function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 600_000): Promise<CommandResult> {
  return new Promise((resolvePromise) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 255;
      resolvePromise({ stdout, stderr, code });
    });
  });
}

/** Runs fleet/fleet.sh with FLEET_DIR=dir; throws with its stderr when it fails. */
export async function fleetSh(dir: string, args: string[]): Promise<CommandResult> {
  const result = await run('/bin/bash', [FLEET_SH, ...args], { ...process.env, FLEET_DIR: dir });
  if (result.code !== 0) {
    throw new Error(`fleet.sh ${args.join(' ')} failed (exit ${result.code}):\n${result.stderr}`);
  }
  return result;
}

export function nodeSpec(node: NodeSpec): string {
  return [`${node.name}=${node.layout}/${node.scenario}`, ...(node.options ?? [])].join(',');
}

async function readNodes(dir: string): Promise<FleetNode[]> {
  return JSON.parse(await readFile(join(dir, 'nodes.json'), 'utf8')) as FleetNode[];
}

/** Boots the nodes (in parallel) and waits until each one's sshd listens and kubelet settled. */
export async function startFleet(nodes: NodeSpec[], opts: { dir?: string } = {}): Promise<Fleet> {
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'kubelet-fix-fleet-')));
  try {
    await fleetSh(dir, ['start', ...nodes.map(nodeSpec)]);
  } catch (error) {
    // Whatever did boot must not outlive a failed start.
    await run('/bin/bash', [FLEET_SH, 'stop', ...nodes.map((n) => n.name)], { ...process.env, FLEET_DIR: dir });
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const sshConfig = join(dir, 'ssh_config');
  const fleet: Fleet = {
    dir,
    sshConfig,
    knownHosts: join(dir, 'known_hosts'),
    identityFile: join(dir, 'id_ed25519'),
    nodes: await readNodes(dir),
    node(name) {
      const found = fleet.nodes.find((n) => n.name === name);
      if (found === undefined) throw new Error(`no node '${name}' in fleet ${dir}`);
      return found;
    },
    ssh(name, command) {
      return run('/usr/bin/ssh', ['-F', sshConfig, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '--', name, command]);
    },
    async layout(name, layout, scenario) {
      await fleetSh(dir, ['layout', name, layout, scenario]);
      fleet.nodes = await readNodes(dir);
    },
    async stop() {
      await fleetSh(dir, ['stop']);
      fleet.nodes = [];
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
  return fleet;
}
