/**
 * A Transport that runs commands with the local /bin/sh: the remote scripts run for real (sh,
 * stat, base64, find), on this machine's files. `sudo` is ignored: tests read their own files.
 */
import { spawn } from 'node:child_process';
import type { ExecOptions, ExecResult, Transport } from '../../../src/transport/transport.js';

export class LocalShellTransport implements Transport {
  /** `asNobody`: run as uid/gid 65534 (through setpriv when the tests run as root). */
  constructor(private readonly asNobody = false) {}

  readonly identity = {
    name: 'local',
    address: '127.0.0.1',
    port: 22,
    user: 'test',
    hostKeyFingerprint: 'SHA256:local',
    hostKeyAlgorithm: 'none',
  };
  readonly commands: string[] = [];

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.commands.push(command);
    return new Promise((resolve, reject) => {
      const argv = ['sh', '-c', command];
      if (this.asNobody && process.getuid?.() === 0) argv.unshift('setpriv', '--reuid=65534', '--regid=65534', '--clear-groups');
      const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', reject);
      child.on('close', (code) =>
        resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code }),
      );
      child.stdin.end(options.stdin ?? '');
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
