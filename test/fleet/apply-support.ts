/**
 * What the apply fleet tests share: planning nodes with the real planner over real SSH, applying
 * with the real transport, and looking at a node from outside (plain ssh) to see what really
 * happened there: file hashes, the kubelet's process and its own /configz.
 */
import { applyPlan, plannedTarget, type ApplyPlanOptions, type ApplyResult } from '../../src/apply/apply-plan.js';
import { loadControls } from '../../src/controls/load.js';
import type { Control } from '../../src/controls/types.js';
import { assemblePlan } from '../../src/plan/assemble-plan.js';
import type { NodePlan, Plan } from '../../src/plan/types.js';
import { planNode, planOneTarget } from '../../src/run/plan-fleet.js';
import { shellQuote } from '../../src/transport/shell-quote.js';
import { connect } from '../../src/transport/ssh-transport.js';
import { resolveTargets } from '../../src/transport/targets.js';
import type { NodeTarget } from '../../src/transport/transport.js';
import type { Fleet } from './fleet.js';

let controls: Control[] | undefined;
export async function bundledControls(): Promise<Control[]> {
  controls ??= await loadControls();
  return controls;
}

export async function fleetTargets(fleet: Fleet, names: string[]): Promise<Map<string, NodeTarget>> {
  const targets = await resolveTargets({ hosts: names, sshConfig: fleet.sshConfig });
  return new Map(targets.map((t) => [t.name, t]));
}

/** `fix plan` for these nodes, as data. */
export async function planFor(fleet: Fleet, names: string[]): Promise<Plan> {
  const c = await bundledControls();
  const targets = await fleetTargets(fleet, names);
  const nodes = await Promise.all(names.map((n) => planOneTarget(targets.get(n)!, c)));
  return assemblePlan(nodes, c, { createdAt: new Date().toISOString(), version: 'test' });
}

/** `fix apply` on a plan, as data: real SSH (host key pinned to the plan's), real planner. */
export async function applyFor(fleet: Fleet, plan: Plan, extra: Partial<ApplyPlanOptions> = {}): Promise<ApplyResult> {
  const c = await bundledControls();
  const targets = await fleetTargets(fleet, plan.nodes.map((n) => n.name));
  return applyPlan(plan, {
    connect: (node: NodePlan) => connect(plannedTarget(targets.get(node.name)!, node)),
    replan: (t) => planNode(t, c),
    ...extra,
  });
}

export interface NodeLook {
  activeState: string;
  mainPid: number;
  nRestarts: number;
  /** path → sha256 of every kubelet-related file (units, drop-ins, env files, configs). */
  files: Record<string, string>;
  /** What the kubelet stand-in really runs with (its /configz). */
  mode?: string;
  webhook?: boolean;
  backups: string[];
  lockDirExists: boolean;
}

const FILES =
  'for d in /etc/systemd/system /usr/lib/systemd/system /lib/systemd/system /etc/default /etc/kubernetes /var/lib/kubelet; do ' +
  '[ -d "$d" ] && find "$d" -type f \\( -path "*kubelet*" \\) -print0; done | sort -zu | xargs -0 -r sha256sum';

/** The node seen from outside kubelet-fix (plain ssh, sudo). */
export async function look(fleet: Fleet, name: string): Promise<NodeLook> {
  const show = await fleet.ssh(name, 'systemctl show kubelet -p ActiveState -p MainPID -p NRestarts');
  const p = Object.fromEntries(show.stdout.trim().split('\n').map((l) => l.split('=', 2) as [string, string]));
  const files = await fleet.ssh(name, `sudo sh -c ${shellQuote(FILES)}`);
  const hashes: Record<string, string> = {};
  for (const line of files.stdout.trim().split('\n').filter(Boolean)) {
    const [hash, path] = line.split(/\s+/, 2) as [string, string];
    hashes[path] = hash;
  }
  const z = await fleet.ssh(name, 'sudo cat /run/kubelet/configz.json 2>/dev/null');
  let mode: string | undefined;
  let webhook: boolean | undefined;
  if (z.code === 0 && p.ActiveState === 'active') {
    const k = (JSON.parse(z.stdout) as { kubeletconfig: { authorization?: { mode?: string }; authentication?: { webhook?: { enabled?: boolean } } } }).kubeletconfig;
    mode = k.authorization?.mode;
    webhook = k.authentication?.webhook?.enabled;
  }
  const backups = await fleet.ssh(name, 'sudo find /var/backups/kubelet-fix -type f 2>/dev/null');
  const lockDir = await fleet.ssh(name, 'test -e /run/lock/kubelet-fix.lock.d');
  return {
    activeState: p.ActiveState ?? '',
    mainPid: Number(p.MainPID),
    nRestarts: Number(p.NRestarts),
    files: hashes,
    ...(mode === undefined ? {} : { mode }),
    ...(webhook === undefined ? {} : { webhook }),
    backups: backups.stdout.trim().split('\n').filter(Boolean),
    lockDirExists: lockDir.code === 0,
  };
}

/** A node of a plan, by name (a test typo fails loudly instead of reading undefined). */
export function node(plan: Plan, name: string): NodePlan {
  const n = plan.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name} in the plan`);
  return n;
}
