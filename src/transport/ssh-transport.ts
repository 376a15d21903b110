import type { ClientChannel } from 'ssh2';
import { ConnectError, NodeError } from './errors.js';
import { closeClients, describeHop, forwardThrough, openHop, type Client, type OpenHop } from './ssh-hop.js';
import { sudoCommand, sudoRefusal } from './sudo.js';
import type { ExecOptions, ExecResult, NodeIdentity, NodeTarget, Transport } from './transport.js';

export interface ConnectOptions {
  /** Per hop: TCP connect + SSH handshake + authentication. Default 20 s. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 20_000;
/** OpenSSH's MaxSessions defaults to 10 channels per connection; stay below it. */
const MAX_CHANNELS = 8;
/** What sshd answers ("open failed") when a session channel is refused, e.g. at MaxSessions. */
const SSH_OPEN_CONNECT_FAILED = 2;
/** 20 ms doubling: about 2.5 s in all before giving up. */
const CHANNEL_OPEN_RETRIES = 7;

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

/** A logged-in connection: commands run on the last hop's client, each on its own channel. */
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
    const viaSudo = options.sudo === true && !(await this.isRoot());
    const line = viaSudo ? sudoCommand(command) : command;
    const result = await this.withChannel(() => this.run(line, options));
    if (viaSudo) {
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

  private async run(command: string, options: ExecOptions): Promise<ExecResult> {
    const node = this.identity.name;
    for (let attempt = 0; ; attempt++) {
      if (this.closing) throw new NodeError(node, 'exec', `connection to ${node} is closed`);
      if (this.lost) throw new ConnectError(node, `lost the connection to ${node}: ${this.lost}`);
      const channel = await this.openChannel(command, options);
      if ('result' in channel) return channel.result;
      // sshd frees a session slot only once it has reaped the command, which can lag behind the
      // channel close we already saw: a refused open (MaxSessions) is retried after a pause.
      const refused = channel.error.reason === SSH_OPEN_CONNECT_FAILED;
      if (!refused || attempt >= CHANNEL_OPEN_RETRIES || this.lost) {
        throw new ConnectError(node, `cannot start a command on ${node}: ${this.lost ?? channel.error.message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
    }
  }

  private openChannel(command: string, options: ExecOptions): Promise<{ result: Promise<ExecResult> } | { error: Error & { reason?: unknown } }> {
    const client = this.clients[this.clients.length - 1] as Client;
    return new Promise((resolve) => {
      // ssh2 calls back when sshd confirms the exec request, and a quick command's output,
      // exit-status and close can come in the same socket read, handled before any awaiting code
      // resumes: the listeners must be on the channel within this callback, or 'exit' is missed.
      client.exec(command, (err, stream) => resolve(err ? { error: err } : { result: this.collect(stream, options) }));
    });
  }

  private collect(stream: ClientChannel, options: ExecOptions): Promise<ExecResult> {
    const node = this.identity.name;
    return new Promise((resolve, reject) => {
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
              killRemoteCommand(stream);
              stream.close();
              reject(new NodeError(node, 'exec', `command on ${node} did not finish within ${options.timeoutMs! / 1000}s and was stopped`));
            }, options.timeoutMs);
      stream.on('data', (d: Buffer) => stdout.push(d));
      stream.stderr.on('data', (d: Buffer) => stderr.push(d));
      stream.on('exit', (exitCode: number | null) => {
        exited = true;
        code = typeof exitCode === 'number' ? exitCode : null;
      });
      stream.on('close', () => {
        clearTimeout(timer);
        if (timedOut) return;
        if (!exited && this.lost) {
          reject(new ConnectError(node, `lost the connection to ${node} while a command was running: ${this.lost}`));
        } else {
          resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), code });
        }
      });
      stream.end(options.stdin);
    });
  }
}

/**
 * SIGKILLs the remote command (sshd kills its process group). ssh2's ClientChannel.signal()
 * silently does nothing once stdin has been ended, which exec always does, so the channel
 * request is sent through ssh2's protocol object directly.
 */
function killRemoteCommand(stream: ClientChannel): void {
  const channel = stream as unknown as {
    outgoing?: { id: number; state: string };
    _client?: { _protocol?: { signal(id: number, name: string): void } };
  };
  const state = channel.outgoing?.state;
  if (channel.outgoing && (state === 'open' || state === 'eof')) channel._client?._protocol?.signal(channel.outgoing.id, 'KILL');
}
