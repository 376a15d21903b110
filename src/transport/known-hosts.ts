import { createHmac } from 'node:crypto';
import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { keyTypeOf } from './host-key.js';
import { matchesPatternList } from './host-pattern.js';

/**
 * OpenSSH known_hosts files (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): plain and hashed host
 * fields, `[host]:port` names, and the `@revoked` / `@cert-authority` markers.
 */
export interface KnownHostEntry {
  file: string;
  line: number;
  marker?: 'revoked' | 'cert-authority';
  hosts: { kind: 'patterns'; patterns: string[] } | { kind: 'hashed'; salt: Buffer; hash: Buffer };
  keyType: string;
  key: Buffer;
}

/** Parses one file's text. Lines OpenSSH would skip as malformed are skipped here too. */
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0].startsWith('@')) {
      if (fields[0] === '@revoked') marker = 'revoked';
      else if (fields[0] === '@cert-authority') marker = 'cert-authority';
      else return;
      fields.shift();
    }
    const [hostField, keyType, keyBase64] = fields;
    if (hostField === undefined || keyType === undefined || keyBase64 === undefined) return;
    const hosts = parseHostField(hostField);
    if (hosts === undefined) return;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyBase64)) return;
    const key = Buffer.from(keyBase64, 'base64');
    if (keyTypeOf(key) !== keyType) return;
    entries.push({ file, line: index + 1, ...(marker ? { marker } : {}), hosts, keyType, key });
  });
  return entries;
}

function parseHostField(field: string): KnownHostEntry['hosts'] | undefined {
  if (!field.startsWith('|')) return { kind: 'patterns', patterns: field.split(',').filter(Boolean) };
  // Hashed: |1|base64(salt)|base64(HMAC-SHA1(salt, name)); only version 1 exists.
  const parts = field.split('|');
  if (parts.length !== 4 || parts[1] !== '1' || !parts[2] || !parts[3]) return undefined;
  const salt = Buffer.from(parts[2], 'base64');
  const hash = Buffer.from(parts[3], 'base64');
  if (salt.length !== 20 || hash.length !== 20) return undefined;
  return { kind: 'hashed', salt, hash };
}

/** The name known_hosts records for a host: the bare host on port 22, else `[host]:port`. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function entryMatchesHost(entry: KnownHostEntry, host: string, port: number): boolean {
  const name = knownHostsName(host, port).toLowerCase();
  if (entry.hosts.kind === 'patterns') return matchesPatternList(name, entry.hosts.patterns);
  const digest = createHmac('sha1', entry.hosts.salt).update(name).digest();
  return digest.equals(entry.hosts.hash);
}

export type HostKeyVerdict =
  /** A plain entry for this host has exactly this key. */
  | { status: 'known'; entry: KnownHostEntry }
  /** An `@revoked` entry covering this host has this key: never connect. */
  | { status: 'revoked'; entry: KnownHostEntry }
  /** Nothing is recorded for this host. */
  | { status: 'unknown' }
  /** The host is recorded, but with other keys only: possibly an impostor. */
  | { status: 'changed'; known: KnownHostEntry[] };

/**
 * What known_hosts says about `key` presented by host:port. `@cert-authority` lines are not
 * supported (ssh2 negotiates no host certificates) and count as no match. Unlike OpenSSH, a host
 * recorded only with keys of other types counts as changed: the caller asks the server for the
 * recorded types first, so a legitimate server matches, and the stricter reading costs nothing.
 */
export function lookupHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  key: Buffer,
): HostKeyVerdict {
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && entryMatchesHost(e, host, port));
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const same = plain.find((e) => e.key.equals(key));
  if (same) return { status: 'known', entry: same };
  if (plain.length > 0) return { status: 'changed', known: plain };
  return { status: 'unknown' };
}

/** Key types recorded for host:port, in file order, to steer host key algorithm negotiation. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const types = entries
    .filter((e) => e.marker === undefined && entryMatchesHost(e, host, port))
    .map((e) => e.keyType);
  return [...new Set(types)];
}

/** Reads and parses every file; a missing file is simply empty, as for OpenSSH. */
export async function loadKnownHosts(files: readonly string[]): Promise<KnownHostEntry[]> {
  const all: KnownHostEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new Error(`cannot read known_hosts file ${file}: ${(err as Error).message}`);
    }
    all.push(...parseKnownHosts(text, file));
  }
  return all;
}

// Nodes connect in parallel and may all be new: appends to one file are serialized so lines
// never interleave and the "does the file end in a newline" check stays true.
const appendQueues = new Map<string, Promise<unknown>>();

/**
 * Appends a plain (unhashed) entry, creating the file and its directory (0700) if needed; skipped
 * when the file already holds it (two nodes sharing a new jump host, say).
 */
export function appendKnownHost(file: string, host: string, port: number, key: Buffer): Promise<void> {
  const line = `${knownHostsName(host, port)} ${keyTypeOf(key)} ${key.toString('base64')}\n`;
  const previous = appendQueues.get(file) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(async () => {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    if (lookupHostKey(await loadKnownHosts([file]), host, port, key).status === 'known') return;
    const prefix = (await endsWithoutNewline(file)) ? '\n' : '';
    await appendFile(file, prefix + line, { mode: 0o600 });
  });
  appendQueues.set(file, next);
  return next;
}

async function endsWithoutNewline(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    await handle.close();
  }
}
