import { createHash } from 'node:crypto';
import type { FileFact, NodeFacts } from '../../src/facts/types.js';

/** A node written the way a person describes one: unit paths, the running argv, file contents. */
export interface NodeFixture {
  unit: {
    fragmentPath: string;
    dropInPaths: string[];
    activeState?: string;
    subState?: string;
    needDaemonReload?: boolean;
  };
  process: { argv: string[]; startedAt?: number } | null;
  files: Record<string, string>;
  mtimes?: Record<string, number>;
  dirs?: { path: string; entries: string[] }[];
}

export function factsFromFixture(name: string, fx: NodeFixture): NodeFacts {
  const files: FileFact[] = Object.entries(fx.files).map(([path, content]) => ({
    path,
    exists: true,
    content,
    sha256: createHash('sha256').update(content).digest('hex'),
    mode: path.startsWith('/etc/default/') ? '0600' : '0644',
    owner: 'root',
    group: 'root',
    ...(fx.mtimes?.[path] !== undefined ? { mtime: fx.mtimes[path] } : {}),
  }));
  return {
    node: name,
    systemdVersion: 252,
    unit: {
      name: 'kubelet.service',
      loadState: 'loaded',
      activeState: fx.unit.activeState ?? (fx.process ? 'active' : 'failed'),
      subState: fx.unit.subState ?? (fx.process ? 'running' : 'failed'),
      fragmentPath: fx.unit.fragmentPath,
      dropInPaths: fx.unit.dropInPaths,
      mainPid: fx.process ? 4242 : 0,
      nRestarts: 0,
      needDaemonReload: fx.unit.needDaemonReload ?? false,
      environmentFiles: [],
    },
    process: fx.process ? { pid: 4242, argv: fx.process.argv, ...(fx.process.startedAt ? { startedAt: fx.process.startedAt } : {}) } : null,
    files,
    dirs: (fx.dirs ?? []).map((d) => ({ ...d, exists: true })),
  };
}
