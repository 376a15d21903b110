import { existsSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { ServerHostKeyAlgorithm } from 'ssh2';
import { describeConnectFailure } from './connect-failure.js';
import { ConnectError, HostKeyError } from './errors.js';
import { algorithmsForKeyType } from './host-key.js';
import { decideHostKey } from './host-key-policy.js';
import { formatHostPort } from './host-spec.js';
import { authPlan, describeAuthAttempts, loadIdentityFiles } from './identities.js';
import { appendKnownHost, knownKeyTypes, loadKnownHosts } from './known-hosts.js';
import type { NodeTarget } from './transport.js';

/**
 * One SSH login: to a node or to a jump host on the way, over TCP or over a channel forwarded by
 * the previous hop. Host key checked before authentication; every failure named for the user.
 */
const { Client } = ssh2;
export type Client = InstanceType<typeof Client>;

const KEEPALIVE_INTERVAL_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 3;
const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

export function describeHop(hop: NodeTarget, target: NodeTarget): string {
  const address = formatHostPort(hop.host, hop.port);
  const named = hop.name === address || hop.name === hop.host ? address : `${hop.name} (${address})`;
  return hop === target ? named : `jump host ${named} of ${target.name}`;
}

export function forwardThrough(
  via: { client: Client; who: string },
  hop: NodeTarget,
  who: string,
  node: string,
  timeoutMs: number,
): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new ConnectError(node, `${via.who} could not reach ${who} within ${timeoutMs / 1000}s`));
    }, timeoutMs);
    via.client.forwardOut('127.0.0.1', 0, hop.host, hop.port, (err, stream) => {
      clearTimeout(timer);
      if (timedOut) {
        stream?.close();
      } else if (err) {
        const reason = err.message.replace(/^\(SSH\) Channel open failure: /, '');
        reject(new ConnectError(node, `${via.who} could not open a connection to ${who}: ${reason}`));
      } else {
        resolve(stream);
      }
    });
  });
}

export interface OpenHop {
  client: Client;
  fingerprint: string;
  keyType: string;
}

export async function openHop(
  hop: NodeTarget,
  who: string,
  node: string,
  sock: Duplex | undefined,
  timeoutMs: number,
): Promise<OpenHop> {
  let entries;
  try {
    entries = await loadKnownHosts(hop.knownHostsFiles);
  } catch (err) {
    throw new HostKeyError(node, `cannot check the host key of ${who}: ${(err as Error).message}`);
  }
  // Named in "not in known_hosts ..." messages; /dev/null (ssh_config's "no global file") is noise there.
  const existingFiles = hop.knownHostsFiles.filter((f) => f !== '/dev/null' && existsSync(f));
  const identities = await loadIdentityFiles(hop.identityFiles);
  const auth = authPlan(hop, identities);
  // Ask first for key types known_hosts already holds for this host, as OpenSSH does.
  const preferred = knownKeyTypes(entries, hop.host, hop.port).flatMap(algorithmsForKeyType) as ServerHostKeyAlgorithm[];
  const serverHostKey = [...new Set([...preferred, ...HOST_KEY_ALGORITHMS])];

  const client = new Client();
  client.once('close', () => closed.add(client));
  return new Promise<OpenHop>((resolve, reject) => {
    let settled = false;
    let reachedServer = sock !== undefined;
    let hostKeyFailure: HostKeyError | undefined;
    let accepted: { fingerprint: string; keyType: string } | undefined;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(err);
    };
    client.on('connect', () => {
      reachedServer = true;
    });
    client.on('error', (err: Error & { level?: string }) => {
      if (err.level === 'agent') {
        auth.log.agentProblem = err.message;
        return;
      }
      if (hostKeyFailure) return fail(hostKeyFailure);
      fail(
        new ConnectError(
          node,
          describeConnectFailure(err, {
            who,
            host: hop.host,
            port: hop.port,
            timeoutMs,
            reachedServer,
            user: hop.user,
            authAttempts: describeAuthAttempts(auth.log, identities),
          }),
        ),
      );
    });
    client.on('close', () => fail(hostKeyFailure ?? new ConnectError(node, `${who} closed the connection before login completed`)));
    client.on('ready', () => {
      settled = true;
      resolve({ client, ...(accepted as { fingerprint: string; keyType: string }) });
    });
    client.connect({
      host: hop.host,
      port: hop.port,
      username: hop.user,
      ...(sock ? { sock } : {}),
      readyTimeout: timeoutMs,
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      algorithms: { serverHostKey },
      authHandler: auth.handler,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        const decision = decideHostKey({ who, hop, key, entries, existingFiles });
        if (!decision.accept) {
          hostKeyFailure = new HostKeyError(node, decision.message);
          return verify(false);
        }
        accepted = { fingerprint: decision.fingerprint, keyType: decision.keyType };
        if (decision.recordIn === undefined) return verify(true);
        const file = decision.recordIn;
        appendKnownHost(file, hop.host, hop.port, key).then(
          () => verify(true),
          (err: Error) => {
            hostKeyFailure = new HostKeyError(node, `cannot record the host key of ${who} in ${file}: ${err.message}`);
            verify(false);
          },
        );
      },
    });
  });
}

/** Clients whose connection is already gone: closing them again would wait for a 'close' that never comes. */
const closed = new WeakSet<Client>();

export async function closeClients(clients: Client[]): Promise<void> {
  // Innermost first: the node's session rides on the jump hosts' channels.
  for (const client of [...clients].reverse()) {
    if (closed.has(client)) continue;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        client.destroy();
        resolve();
      }, 2_000);
      client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      client.end();
    });
  }
}
