import { existsSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { ClientChannel, ServerHostKeyAlgorithm } from 'ssh2';
import { describeConnectFailure } from './connect-failure.js';
import { ConnectError, HostKeyError, NodeError } from './errors.js';
import { algorithmsForKeyType } from './host-key.js';
import { decideHostKey } from './host-key-policy.js';
import { formatHostPort } from './host-spec.js';
import { authPlan, describeAuthAttempts, loadIdentityFiles } from './identities.js';
import { appendKnownHost, knownKeyTypes, loadKnownHosts } from './known-hosts.js';
import { sudoCommand, sudoRefusal } from './sudo.js';
import type { ExecOptions, ExecResult, NodeIdentity, NodeTarget, Transport } from './transport.js';

const { Client } = ssh2;
type Client = InstanceType<typeof Client>;

export interface ConnectOptions {
  /** Per hop: TCP connect + SSH handshake + authentication. Default 20 s. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 20_000;
const KEEPALIVE_INTERVAL_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 3;
/** OpenSSH's MaxSessions defaults to 10 channels per connection; stay below it. */
const MAX_CHANNELS = 8;
const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/**
 * Opens one SSH connection to `target` (through its ProxyJump chain, every hop's host key
 * checked), to be reused by every exec until close(). Rejects with HostKeyError or ConnectError.
 */
export async function connect(target: NodeTarget, opts: ConnectOptions = {}): Promise<Transport> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const hops = [...(target.proxyJump ?? []), target];
  const clients: Client[] = [];
  try {
    let previous: { client: Client; who: string } | undefined;
    let last: OpenHop | undefined;
    for (const hop of hops) {
      const who = describeHop(hop, target);
      const sock = previous ? await forwardThrough(previous, hop, who, target.name, timeoutMs) : undefined;
      last = await openHop(hop, who, target.name, sock, timeoutMs);
      clients.push(last.client);
      previous = { client: last.client, who };
    }
    const final = last as OpenHop;
    return new SshTransport(clients, {
      name: target.name,
      address: target.host,
      port: target.port,
      user: target.user,
      hostKeyFingerprint: final.fingerprint,
      hostKeyAlgorithm: final.keyType,
    });
  } catch (err) {
    await closeClients(clients);
    throw err;
  }
}

function describeHop(hop: NodeTarget, target: NodeTarget): string {
  const address = formatHostPort(hop.host, hop.port);
  const named = hop.name === address ? address : `${hop.name} (${address})`;
  return hop === target ? named : `jump host ${named} of ${target.name}`;
}

function forwardThrough(
  via: { client: Client; who: string },
  hop: NodeTarget,
  who: string,
  node: string,
  timeoutMs: number,
): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new ConnectError(node, `${via.who} could not reach ${who} within ${timeoutMs / 1000}s`)),
      timeoutMs,
    );
    via.client.forwardOut('127.0.0.1', 0, hop.host, hop.port, (err, stream) => {
      clearTimeout(timer);
      const reason = err?.message.replace(/^\(SSH\) Channel open failure: /, '');
      if (err) reject(new ConnectError(node, `${via.who} could not open a connection to ${who}: ${reason}`));
      else resolve(stream);
    });
  });
}

interface OpenHop {
  client: Client;
  fingerprint: string;
  keyType: string;
}

async function openHop(
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
  const existingFiles = hop.knownHostsFiles.filter((f) => existsSync(f));
  const identities = await loadIdentityFiles(hop.identityFiles);
  const auth = authPlan(hop, identities);
  // Ask first for key types known_hosts already holds for this host, as OpenSSH does.
  const preferred = knownKeyTypes(entries, hop.host, hop.port).flatMap(algorithmsForKeyType) as ServerHostKeyAlgorithm[];
  const serverHostKey = [...new Set([...preferred, ...HOST_KEY_ALGORITHMS])];

  const client = new Client();
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

async function closeClients(clients: Client[]): Promise<void> {
  // Innermost first: the node's session rides on the jump hosts' channels.
  for (const client of [...clients].reverse()) {
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

class SshTransport implements Transport {
  private lost: string | undefined;
  private closing: Promise<void> | undefined;
  private rootCheck: Promise<boolean> | undefined;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly clients: Client[],
    readonly identity: NodeIdentity,
  ) {
    for (const client of clients) {
      // An 'error' event without a listener would crash the process; after login it means the
      // connection is gone (keepalive timeout, reset), which the next exec reports.
      client.on('error', (err: Error) => {
        this.lost ??= err.message;
      });
      client.on('close', () => {
        this.lost ??= 'connection closed';
      });
    }
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const asRoot = options.sudo ? await this.isRoot() : true;
    const line = asRoot ? command : sudoCommand(command);
    const result = await this.withChannel(() => this.run(line, options));
    if (!asRoot) {
      const refusal = sudoRefusal(result, this.identity.name, this.identity.user);
      if (refusal) throw refusal;
    }
    return result;
  }

  close(): Promise<void> {
    this.closing ??= closeClients(this.clients);
    return this.closing;
  }

  /** Whether the login user is root, asked once per connection: root needs no sudo. */
  private isRoot(): Promise<boolean> {
    this.rootCheck ??= this.withChannel(() => this.run('id -u', {})).then(
      (r) => r.code === 0 && r.stdout.trim() === '0',
    );
    return this.rootCheck;
  }

  private async withChannel<T>(fn: () => Promise<T>): Promise<T> {
    while (this.active >= MAX_CHANNELS) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  private run(command: string, options: ExecOptions): Promise<ExecResult> {
    const node = this.identity.name;
    const client = this.clients[this.clients.length - 1] as Client;
    if (this.closing) return Promise.reject(new NodeError(node, 'exec', `connection to ${node} is closed`));
    if (this.lost) return Promise.reject(new ConnectError(node, `lost the connection to ${node}: ${this.lost}`));
    return new Promise((resolve, reject) => {
      client.exec(command, (err, stream: ClientChannel) => {
        if (err) {
          reject(new ConnectError(node, `cannot start a command on ${node}: ${this.lost ?? err.message}`));
          return;
        }
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        let code: number | null = null;
        let exited = false;
        let timedOut = false;
        const timer =
          options.timeoutMs === undefined
            ? undefined
            : setTimeout(() => {
                timedOut = true;
                stream.signal('KILL');
                stream.close();
              }, options.timeoutMs);
        stream.on('data', (d: Buffer) => stdout.push(d));
        stream.stderr.on('data', (d: Buffer) => stderr.push(d));
        stream.on('exit', (exitCode: number | null) => {
          exited = true;
          code = typeof exitCode === 'number' ? exitCode : null;
        });
        stream.on('close', () => {
          clearTimeout(timer);
          if (timedOut) {
            reject(new NodeError(node, 'exec', `command on ${node} did not finish within ${options.timeoutMs! / 1000}s and was stopped`));
          } else if (!exited && this.lost) {
            reject(new ConnectError(node, `lost the connection to ${node} while a command was running: ${this.lost}`));
          } else {
            resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), code });
          }
        });
        stream.end(options.stdin);
      });
    });
  }
}
