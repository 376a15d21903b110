/**
 * gatherFacts' round trips, pyinfra-style: each fixture holds the probe's output and, for every
 * following trip, the exact arguments the read-files script must be given and what it prints.
 * The scripts themselves run for real in read-files-local.test.ts (and on the fleet).
 */
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gatherFacts } from '../../../src/facts/gather.js';
import { PROBE_SCRIPT, READ_FILES_SCRIPT } from '../../../src/facts/remote-scripts.js';
import { shellQuote } from '../../../src/transport/shell-quote.js';
import type { ExecOptions, ExecResult, Transport } from '../../../src/transport/transport.js';
import { caseDirs, readJson } from './fixture-helpers.js';

type Records = [string, string, string | { argv: string[] }][];
interface Case {
  description: string;
  probe: Records;
  trips: { args: string[]; records: Records }[];
  expect: { files: string[]; dirs: [string, string[]][]; process: boolean };
}

function encode(records: Records): string {
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  return records
    .map(([k, p, v]) => `${k}\t${b64(p)}\t${b64(typeof v === 'string' ? v : `${v.argv.join('\0')}\0`)}\n`)
    .join('');
}

/** Answers each trip from the fixture, after checking the script and arguments it was sent. */
class ScriptedNode implements Transport {
  readonly identity = { name: 'node1', address: '127.0.0.2', port: 22, user: 'azureuser', hostKeyFingerprint: 'SHA256:x', hostKeyAlgorithm: 'ssh-ed25519' };
  private trip = 0;
  constructor(private readonly c: Case) {}

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    expect(options.sudo).toBe(true);
    const n = this.trip++;
    if (n === 0) {
      expect(command).toBe('sh -s --');
      expect(options.stdin).toBe(PROBE_SCRIPT);
      return { stdout: encode(this.c.probe), stderr: '', code: 0 };
    }
    const trip = this.c.trips[n - 1];
    if (!trip) throw new Error(`unexpected trip ${n + 1}: ${command}`);
    expect(options.stdin).toBe(READ_FILES_SCRIPT);
    expect(command).toBe(['sh', '-s', '--', ...trip.args.map(shellQuote)].join(' '));
    return { stdout: encode(trip.records), stderr: '', code: 0 };
  }

  get trips(): number {
    return this.trip;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('gatherFacts round trips (fixtures)', () => {
  for (const dir of caseDirs('gather')) {
    const c = readJson<Case>(join(dir, 'case.json'));
    it(`${basename(dir)}: ${c.description}`, async () => {
      const node = new ScriptedNode(c);
      const facts = await gatherFacts(node, 'node1');
      expect(node.trips).toBe(1 + c.trips.length);
      expect(facts.node).toBe('node1');
      expect(facts.files.map((f) => f.path)).toEqual(c.expect.files);
      expect(facts.dirs.map((d) => [d.path, d.entries])).toEqual(c.expect.dirs);
      expect(facts.process !== null).toBe(c.expect.process);
      expect(facts.warnings).toBeUndefined();
    });
  }

  it('reports a failing probe as a node error with the reason', async () => {
    const t: Transport = {
      identity: { name: 'node2', address: '127.0.0.3', port: 22, user: 'u', hostKeyFingerprint: 'SHA256:y', hostKeyAlgorithm: 'ssh-ed25519' },
      exec: async () => ({ stdout: '', stderr: 'sh: 1: base64: not found\n', code: 127 }),
      close: async () => {},
    };
    await expect(gatherFacts(t, 'node2')).rejects.toThrow('reading kubelet.service failed on node2: sh: 1: base64: not found');
  });
});
