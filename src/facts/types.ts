/**
 * Facts: what was read from a node, unparsed beyond what the reading itself needs. Everything
 * downstream (effective settings, plan) is a pure function of these, so they are plain data
 * that fixtures can hold.
 */

/** One file as read from the node. `content` is the exact bytes decoded as UTF-8 (CRLF kept). */
export interface FileFact {
  path: string;
  exists: boolean;
  /** Why the file could not be read although it may exist (permission, is a directory ...). */
  error?: string;
  content?: string;
  sha256?: string;
  /** Octal permission bits, e.g. "0600". */
  mode?: string;
  owner?: string;
  group?: string;
  /** Modification time, seconds since the epoch (to tell "edited since the kubelet started"). */
  mtime?: number;
  /** Set when `path` is a symlink: the file it resolves to (an atomic rename would replace the link). */
  realPath?: string;
}

/** A directory the kubelet reads drop-ins from (`--config-dir`). */
export interface DirFact {
  path: string;
  exists: boolean;
  /**
   * Non-directory entries, as paths relative to the directory ("10-a.conf", "sub/20-b.conf": the
   * kubelet walks it recursively); ordering is applied by the consumer.
   */
  entries: string[];
  /** Why the directory could not be listed (e.g. the path is a file). */
  error?: string;
}

/** What systemd says about kubelet.service (`systemctl show`), loaded state, not disk. */
export interface UnitFacts {
  /** Unit name as systemd resolved it, e.g. "kubelet.service". */
  name: string;
  loadState: string;
  activeState: string;
  subState: string;
  fragmentPath: string;
  /** Drop-in files in the order systemd applies them. */
  dropInPaths: string[];
  /** 0 when not running. */
  mainPid: number;
  /** Absent on systemd older than 235. */
  nRestarts?: number;
  needDaemonReload: boolean;
  /** `systemctl show -p Environment` raw value: what systemd loaded at the last daemon-reload. */
  environment?: string;
  /** `systemctl show -p EnvironmentFiles` lines, e.g. "/etc/default/kubelet (ignore_errors=no)". */
  environmentFiles: string[];
  execMainStartTimestamp?: string;
  /**
   * `systemctl show -p ExecStart` raw value, what systemd loaded at the last daemon-reload, e.g.
   * "{ path=/usr/bin/kubelet ; argv[]=/usr/bin/kubelet $KUBELET_ARGS ; ignore_errors=no ; ... }".
   */
  execStart?: string;
}

/** The running kubelet process. */
export interface ProcessFacts {
  pid: number;
  /** Exactly /proc/PID/cmdline split on NUL. */
  argv: string[];
  /** Start time, seconds since the epoch. */
  startedAt?: number;
}

export interface NodeFacts {
  node: string;
  /** systemd major version, e.g. 252. */
  systemdVersion?: number;
  unit: UnitFacts;
  process: ProcessFacts | null;
  /** Every file read: unit fragment, drop-ins, environment files, --config file, config-dir files. */
  files: FileFact[];
  dirs: DirFact[];
  /** The node's clock (`date +%s`) when the facts were read. */
  now?: number;
  /** What could not be read or predicted, with the file and line when known. */
  warnings?: string[];
}
