/**
 * The exact commands apply runs on a node, as data. The same builders feed execution and
 * `--dry-run` printing, so what a dry run shows is what a real run does. Every variable part
 * goes through shellQuote; file contents travel on stdin, never in argv.
 */
import { shellQuote } from '../transport/shell-quote.js';

export interface RemoteCommand {
  /** POSIX shell command line. */
  command: string;
  /** Always true today: every step needs root; the transport makes it a no-op for root logins. */
  sudo: boolean;
  /** File content sent on stdin. Described (size, sha256) when printed, never shown. */
  stdin?: string;
  /** Long-running commands (lock holder) need more than the transport's default. */
  timeoutMs?: number;
}

export const LOCK_FILE = '/run/lock/kubelet-fix.lock';
/** Who holds the lock, written by the holder once it has it (informational; the flock is the lock). */
export const LOCK_OWNER_FILE = '/run/lock/kubelet-fix.owner';
/** Fallback lock for nodes without flock(1): mkdir is atomic on every filesystem. */
export const LOCK_DIR = '/run/lock/kubelet-fix.lock.d';
export const BACKUP_ROOT = '/var/backups/kubelet-fix';

/**
 * Exit status of flock -w when it timed out. flock's -E (choose the code) is missing before
 * util-linux 2.25 (e.g. CentOS 7), so rely on the default; the holder script itself never exits 1.
 */
export const LOCK_TIMEOUT_EXIT = 1;

const q = shellQuote;

function cmd(command: string, extra: Partial<RemoteCommand> = {}): RemoteCommand {
  return { command, sudo: true, ...extra };
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Which optional tools the node has; one line per tool, "name=path" (empty path when missing). */
export function probeTools(): RemoteCommand {
  return cmd("for t in flock sha256sum; do printf '%s=%s\\n' \"$t\" \"$(command -v \"$t\" || true)\"; done");
}

/**
 * Holds flock on LOCK_FILE for as long as this command runs. Once it has the lock it writes the
 * owner file (first line: our token), then waits until the owner file no longer starts with the
 * token (release) or maxHoldSec passes. It prints a dot each second: when the SSH session dies,
 * the write kills the holder (SIGPIPE) and the kernel drops the lock, so a crashed apply never
 * leaves a node locked.
 */
export function lockHolder(token: string, ownerInfo: string, waitSec: number, maxHoldSec: number): RemoteCommand {
  // One line, so that the command shown in a dry run or a log is the exact command run.
  const script =
    'printf \'%s\\n%s\\n\' "$2" "$3" > "$1.new" && mv -f "$1.new" "$1" || exit 70; i=0; ' +
    'while [ "$i" -lt "$4" ]; do [ "$(head -n 1 "$1" 2>/dev/null)" = "$2" ] || exit 0; printf .; sleep 1; i=$((i+1)); done; ' +
    '[ "$(head -n 1 "$1" 2>/dev/null)" = "$2" ] && rm -f "$1"; exit 0';
  const command = [
    'mkdir', '-p', q(dirname(LOCK_FILE)), '&&',
    'flock', '-w', String(waitSec), q(LOCK_FILE),
    'sh', '-c', q(script), 'kubelet-fix-lock', q(LOCK_OWNER_FILE), q(token), q(ownerInfo), String(maxHoldSec),
  ].join(' ');
  return cmd(command, { timeoutMs: (waitSec + maxHoldSec + 30) * 1000 });
}

/** The owner file, to see whether we got the lock or to tell who holds it. */
export function readLockOwner(): RemoteCommand {
  return cmd(`cat ${q(LOCK_OWNER_FILE)} 2>/dev/null || true`);
}

/** Releases the flock lock: the holder notices the owner file is gone and exits. */
export function releaseFlock(token: string): RemoteCommand {
  return cmd(`if [ "$(head -n 1 ${q(LOCK_OWNER_FILE)} 2>/dev/null)" = ${q(token)} ]; then rm -f ${q(LOCK_OWNER_FILE)}; fi`);
}

/**
 * One attempt at the mkdir lock. Prints "acquired", or "held AGE" (seconds since the owner's last
 * heartbeat) followed by the owner file.
 */
export function tryMkdirLock(token: string, ownerInfo: string): RemoteCommand {
  const dir = q(LOCK_DIR);
  const owner = q(`${LOCK_DIR}/owner`);
  return cmd(
    `if mkdir -m 0700 ${dir} 2>/dev/null; then printf '%s\\n%s\\n' ${q(token)} ${q(ownerInfo)} > ${owner} && echo acquired; ` +
      `elif [ -f ${owner} ]; then echo "held $(( $(date +%s) - $(stat -c %Y ${owner}) ))"; cat ${owner}; ` +
      `else echo 'held -1'; fi`,
  );
}

/** Heartbeat of the mkdir lock: a lock whose owner stopped beating is reported as stale. */
export function touchMkdirLock(token: string): RemoteCommand {
  const owner = q(`${LOCK_DIR}/owner`);
  return cmd(`[ "$(head -n 1 ${owner} 2>/dev/null)" = ${q(token)} ] && touch ${owner}`);
}

export function releaseMkdirLock(token: string): RemoteCommand {
  const owner = q(`${LOCK_DIR}/owner`);
  return cmd(`if [ "$(head -n 1 ${owner} 2>/dev/null)" = ${q(token)} ]; then rm -f ${owner} && rmdir ${q(LOCK_DIR)}; fi`);
}

/**
 * Where a file is backed up: the file's own path under a per-apply directory, so the backup
 * never lands in a systemd drop-in directory or a kubelet --config-dir (where it would be loaded).
 */
export function backupPath(backupDir: string, path: string): string {
  return `${backupDir}${path}`;
}

/** Directory name for one apply's backups: sortable timestamp plus the apply id. */
export function backupDirFor(startedAt: Date, applyId: string): string {
  const ts = startedAt.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
  return `${BACKUP_ROOT}/${ts}-${applyId}`;
}

/** Copies the file keeping owner, mode and timestamps (`cp -a`), then prints the copy's sha256. */
export function backupFile(path: string, backup: string): RemoteCommand {
  return cmd(
    // umask 077: every directory mkdir -p creates on the way (BACKUP_ROOT included) is 0700.
    `set -e; umask 077; mkdir -p -- ${q(dirname(backup))}; ` +
      `cp -a -- ${q(path)} ${q(backup)}; sha256sum < ${q(backup)}`,
  );
}

/**
 * Replaces `path` atomically: a temp file in the same directory (hidden, not ending in .conf, so
 * neither systemd nor the kubelet's --config-dir would load it), owner/mode/SELinux label copied
 * from the file it replaces, fsync, rename over, fsync the directory. Prints the sha256 of what is
 * on disk afterwards and "MODE OWNER GROUP". `source` is "stdin" (new content) or a backup to restore.
 */
export function atomicReplace(path: string, source: { stdin: string } | { backup: string }): RemoteCommand {
  const dir = dirname(path);
  const template = `${dir === '/' ? '' : dir}/.${basename(path)}.kubelet-fix-XXXXXX`;
  const fill =
    'stdin' in source
      ? `cat > "$tmp"; chown --reference=${q(path)} -- "$tmp"; chmod --reference=${q(path)} -- "$tmp"`
      : `cp -a -- ${q(source.backup)} "$tmp"`;
  const command = [
    'set -e',
    `tmp=$(mktemp ${q(template)})`,
    'trap \'rm -f -- "$tmp"\' EXIT',
    fill,
    `if [ -e /sys/fs/selinux/enforce ] && command -v chcon >/dev/null 2>&1; then chcon --reference=${q(path)} -- "$tmp"; fi`,
    // sync(1) before coreutils 8.24 ignores operands and syncs everything: slower, still durable.
    'sync -- "$tmp" 2>/dev/null || sync',
    `mv -T -- "$tmp" ${q(path)}`,
    'trap - EXIT',
    `sync -- ${q(dir)} 2>/dev/null || sync`,
    `sha256sum < ${q(path)}`,
    `stat -c '%a %U %G' -- ${q(path)}`,
  ].join('; ');
  return cmd(command, 'stdin' in source ? { stdin: source.stdin } : {});
}

/** sha256 of each path, one "HASH  PATH" line per file (a missing file prints nothing). */
export function hashFiles(paths: string[]): RemoteCommand {
  return cmd(`sha256sum -- ${paths.map(q).join(' ')} 2>/dev/null || true`);
}

export function daemonReload(): RemoteCommand {
  return cmd('systemctl daemon-reload');
}

export function showNeedDaemonReload(unit: string): RemoteCommand {
  return cmd(`systemctl show ${q(unit)} -p NeedDaemonReload`);
}

/** The state the stability check watches. NRestarts is absent before systemd 235: it prints nothing then. */
export function showUnitState(unit: string): RemoteCommand {
  return cmd(`systemctl show ${q(unit)} -p ActiveState -p SubState -p MainPID -p NRestarts -p Result`);
}

/** The node's clock, for `journalctl --since`, taken right before the restart. */
export function nodeClock(): RemoteCommand {
  return cmd("date '+%Y-%m-%d %H:%M:%S'");
}

export function restartUnit(unit: string): RemoteCommand {
  return cmd(`systemctl restart ${q(unit)}`);
}

/**
 * The kubelet's own lines since `since` (node clock), the newest 200. Not `-n`: combined with
 * --since, journalctl counts from the oldest line, and a kubelet logs ~100 FLAG lines before the
 * error that matters.
 */
export function journalSince(unit: string, since: string): RemoteCommand {
  return cmd(`journalctl -u ${q(unit)} --no-pager -o cat --since ${q(since)} | tail -n 200`);
}

/** Exit status 3 means "not active": the caller reads it, it is not an execution error. */
export function unitStatus(unit: string): RemoteCommand {
  return cmd(`systemctl status ${q(unit)} --no-pager -l`);
}

/** How a command is shown in --dry-run output and in the record: never the stdin content. */
export function describeCommand(c: RemoteCommand, stdinSha256?: string): string {
  const prefix = c.sudo ? '[sudo] ' : '';
  const input = c.stdin === undefined ? '' : `   [stdin: ${Buffer.byteLength(c.stdin)} bytes${stdinSha256 ? `, sha256 ${stdinSha256}` : ''}]`;
  return `${prefix}${c.command}${input}`;
}
