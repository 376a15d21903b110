/**
 * One apply per node at a time. With flock(1) (util-linux, on every mainstream distro) a remote
 * holder process keeps the lock for the whole node apply, and the kernel drops it if that process
 * dies, so a crashed or disconnected apply never leaves a node locked. Without flock, a mkdir lock
 * with owner info and a heartbeat: a lock whose owner stopped beating is reported as stale, with
 * the command to clear it, rather than broken automatically (two appliers could both break it).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecResult } from '../transport/transport.js';
import {
  LOCK_DIR,
  LOCK_FILE,
  LOCK_TIMEOUT_EXIT,
  lockHolder,
  probeTools,
  readLockOwner,
  releaseFlock,
  releaseMkdirLock,
  touchMkdirLock,
  tryMkdirLock,
  type RemoteCommand,
} from './remote-steps.js';

export type LockMethod = 'flock' | 'mkdir';

export interface NodeLock {
  method: LockMethod;
  /** Keeps a mkdir lock fresh; no-op for flock (the holder process is the proof of life). */
  heartbeat(): Promise<void>;
  release(): Promise<void>;
}

/** The node is locked by someone else (or the lock is stale): nothing was changed. */
export class LockBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockBusyError';
  }
}

export interface LockOptions {
  token: string;
  /** Who we are, shown to a second apply that finds the node locked. */
  ownerInfo: string;
  waitSec: number;
  /** The holder gives the lock up after this long whatever happens. */
  maxHoldSec: number;
  /** mkdir lock: no heartbeat for this long means its owner is gone. */
  staleSec: number;
  method: 'auto' | LockMethod;
  signal?: AbortSignal;
  /** Every command run, for the record. */
  run: (c: RemoteCommand) => Promise<ExecResult>;
  /** Starts a command without waiting for it (the flock holder). */
  start: (c: RemoteCommand) => Promise<ExecResult>;
  pollMs?: number;
}

/** The owner file's second line: who holds the lock. */
function holderOf(ownerFile: string): string {
  const info = ownerFile.split('\n')[1]?.trim();
  return info ? info : 'unknown owner';
}

export async function chooseLockMethod(run: LockOptions['run']): Promise<{ method: LockMethod; note?: string }> {
  const r = await run(probeTools());
  const flock = /^flock=(\S+)$/m.exec(r.stdout)?.[1];
  if (flock) return { method: 'flock' };
  return { method: 'mkdir', note: `flock(1) not found on the node (util-linux): using a mkdir lock at ${LOCK_DIR} instead` };
}

export async function acquireNodeLock(o: LockOptions): Promise<NodeLock & { note?: string }> {
  let note: string | undefined;
  let method: LockMethod;
  if (o.method === 'auto') {
    const chosen = await chooseLockMethod(o.run);
    method = chosen.method;
    note = chosen.note;
  } else {
    method = o.method;
  }
  const lock = method === 'flock' ? await acquireFlock(o) : await acquireMkdir(o);
  return note === undefined ? lock : { ...lock, note };
}

async function acquireFlock(o: LockOptions): Promise<NodeLock> {
  const pollMs = o.pollMs ?? 250;
  let settled: { result?: ExecResult; error?: unknown } | undefined;
  const holder = o.start(lockHolder(o.token, o.ownerInfo, o.waitSec, o.maxHoldSec)).then(
    (result) => {
      settled = { result };
      return result;
    },
    (error: unknown) => {
      settled = { error };
      throw error;
    },
  );
  // Nobody may await `holder` (e.g. after an abort): keep its rejection from going unhandled.
  holder.catch(() => undefined);

  const released = async (): Promise<void> => {
    await o.run(releaseFlock(o.token));
    // The holder notices within a second; wait for it so the lock is really free when we return.
    await Promise.race([holder.catch(() => undefined), sleep(10_000)]);
  };

  for (;;) {
    if (settled) {
      if (settled.error !== undefined) throw settled.error instanceof Error ? settled.error : new Error(String(settled.error));
      const r = settled.result!;
      if (r.code === LOCK_TIMEOUT_EXIT) {
        const owner = await o.run(readLockOwner());
        throw new LockBusyError(
          `another kubelet-fix apply holds ${LOCK_FILE} (${holderOf(owner.stdout)}); waited ${o.waitSec} s`,
        );
      }
      throw new Error(`could not take ${LOCK_FILE}: flock exited ${String(r.code)}${r.stderr.trim() ? `: ${r.stderr.trim()}` : ''}`);
    }
    const owner = await o.run(readLockOwner());
    if (owner.stdout.split('\n')[0] === o.token) {
      return { method: 'flock', heartbeat: async () => undefined, release: released };
    }
    if (o.signal?.aborted) {
      // The holder may still get the lock; it then sees our token and must be told to let go.
      void released().catch(() => undefined);
      throw new LockBusyError(`interrupted while waiting for ${LOCK_FILE}`);
    }
    await sleep(pollMs);
  }
}

async function acquireMkdir(o: LockOptions): Promise<NodeLock> {
  const deadline = Date.now() + o.waitSec * 1000;
  let lastHolder = 'unknown owner';
  for (;;) {
    const r = await o.run(tryMkdirLock(o.token, o.ownerInfo));
    if (r.code !== 0) throw new Error(`could not take ${LOCK_DIR}: ${r.stderr.trim() || `exit ${String(r.code)}`}`);
    const [first = '', ...rest] = r.stdout.split('\n');
    if (first.trim() === 'acquired') {
      return {
        method: 'mkdir',
        heartbeat: async () => {
          await o.run(touchMkdirLock(o.token));
        },
        release: async () => {
          await o.run(releaseMkdirLock(o.token));
        },
      };
    }
    const age = Number(/^held (-?\d+)/.exec(first)?.[1] ?? -1);
    lastHolder = holderOf(rest.join('\n'));
    if (age > o.staleSec) {
      throw new LockBusyError(
        `stale lock ${LOCK_DIR} (${lastHolder}, no heartbeat for ${age} s); if no kubelet-fix runs on this node, remove it: sudo rm -rf ${LOCK_DIR}`,
      );
    }
    if (o.signal?.aborted) throw new LockBusyError(`interrupted while waiting for ${LOCK_DIR}`);
    if (Date.now() >= deadline) {
      throw new LockBusyError(`another kubelet-fix apply holds ${LOCK_DIR} (${lastHolder}); waited ${o.waitSec} s`);
    }
    await sleep(1000);
  }
}
