import { fingerprint, keyTypeOf } from './host-key.js';
import { knownHostsName, lookupHostKey, type KnownHostEntry } from './known-hosts.js';
import type { NodeTarget } from './transport.js';

/** What to do with the key a server presented; pure, so every branch is unit-tested. */
export type HostKeyDecision =
  | { accept: true; fingerprint: string; keyType: string; /** accept-new: record the key in this file */ recordIn?: string }
  | { accept: false; fingerprint: string; keyType: string; message: string };

export interface HostKeyQuestion {
  /** Who presented the key, as shown to the user: "node1 (10.0.0.4:22)" or "jump host bastion (...) of node1". */
  who: string;
  hop: Pick<NodeTarget, 'host' | 'port' | 'knownHostsFiles' | 'strictHostKeyChecking' | 'expectedHostKeyFingerprint'>;
  key: Buffer;
  entries: readonly KnownHostEntry[];
  /** The known_hosts files that exist, to name them in messages. */
  existingFiles: readonly string[];
}

export function decideHostKey(q: HostKeyQuestion): HostKeyDecision {
  const fp = fingerprint(q.key);
  const keyType = keyTypeOf(q.key);
  const refuse = (message: string): HostKeyDecision => ({ accept: false, fingerprint: fp, keyType, message });
  const { host, port, strictHostKeyChecking: strict } = q.hop;
  const verdict = lookupHostKey(q.entries, host, port, q.key);

  if (verdict.status === 'revoked') {
    return refuse(
      `host key ${keyType} ${fp} of ${q.who} is marked @revoked in ${verdict.entry.file}:${verdict.entry.line}; refusing to connect`,
    );
  }
  if (verdict.status === 'changed' && strict !== 'no') {
    const recorded = verdict.known
      .map((e) => `${e.keyType} ${fingerprint(e.key)} (${e.file}:${e.line})`)
      .join(', ');
    const first = verdict.known[0] as KnownHostEntry;
    return refuse(
      `HOST KEY CHANGED for ${q.who}: it presents ${keyType} ${fp}, but known_hosts records ${recorded}. ` +
        'Someone may be intercepting the connection, or the node was rebuilt. Verify the new fingerprint out of band, ' +
        `then remove the old entry (ssh-keygen -R '${knownHostsName(host, port)}' -f ${first.file}). ` +
        '--accept-new-host-keys never overrides a changed key.',
    );
  }
  const expected = q.hop.expectedHostKeyFingerprint;
  if (expected !== undefined && expected !== fp) {
    return refuse(
      `host key of ${q.who} is ${keyType} ${fp}, but the plan was made with ${expected}; ` +
        'the node is not the one that was planned (or was re-keyed): verify it and run plan again',
    );
  }
  if (verdict.status !== 'unknown' || strict === 'no') return { accept: true, fingerprint: fp, keyType };

  const files = q.hop.knownHostsFiles;
  if (strict === 'accept-new') {
    const recordIn = files[0];
    if (recordIn === undefined) {
      return refuse(`cannot accept the new host key ${fp} of ${q.who}: no known_hosts file is configured to record it in`);
    }
    return { accept: true, fingerprint: fp, keyType, recordIn };
  }
  const where = q.existingFiles.length
    ? q.existingFiles.join(', ')
    : files.length
      ? `${files[0]} (which does not exist)`
      : '(none configured)';
  return refuse(
    `host key for ${q.who} is not in known_hosts ${where}; verify the fingerprint ${fp} (${keyType}) and add it, ` +
      'or pass --accept-new-host-keys',
  );
}
