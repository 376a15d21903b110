/**
 * Pure readers for what the remote scripts (remote-scripts.ts) print: the record framing, the
 * probe (round trip 1) and the file reads (round trip 2).
 */
import { createHash } from 'node:crypto';
import type { DirFact, FileFact, ProcessFacts } from './types.js';
import { parseSystemctlShow, parseSystemdVersion } from './systemctl-show.js';

export interface RemoteRecord {
  kind: string;
  path: string;
  payload: Buffer;
}

/** Thrown when the output is not what the scripts print (truncated, mixed with other output). */
export class RecordFormatError extends Error {
  constructor(readonly lineNumber: number, reason: string) {
    super(`line ${lineNumber} of the remote output: ${reason}`);
    this.name = 'RecordFormatError';
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function parseRecords(stdout: string): RemoteRecord[] {
  const records: RemoteRecord[] = [];
  stdout.split('\n').forEach((line, idx) => {
    if (line === '') return;
    const fields = line.split('\t');
    if (fields.length !== 3) throw new RecordFormatError(idx + 1, `expected 3 tab-separated fields, got ${fields.length}`);
    const [kind, path, payload] = fields as [string, string, string];
    if (!/^[A-Z_]+$/.test(kind)) throw new RecordFormatError(idx + 1, `bad record kind ${JSON.stringify(kind.slice(0, 40))}`);
    if (!BASE64.test(path) || !BASE64.test(payload)) throw new RecordFormatError(idx + 1, 'field is not base64');
    records.push({ kind, path: Buffer.from(path, 'base64').toString('utf8'), payload: Buffer.from(payload, 'base64') });
  });
  return records;
}

/** Files and directories from records, in the order they were first mentioned. */
export function filesFromRecords(records: RemoteRecord[]): { files: FileFact[]; dirs: DirFact[] } {
  const files = new Map<string, FileFact>();
  const dirs = new Map<string, DirFact>();
  const file = (path: string): FileFact => {
    let f = files.get(path);
    if (!f) {
      f = { path, exists: false };
      files.set(path, f);
    }
    return f;
  };
  for (const r of records) {
    const text = r.payload.toString('utf8');
    switch (r.kind) {
      case 'LINK':
        file(r.path).realPath = text;
        break;
      case 'MISSING':
        file(r.path).exists = false;
        break;
      case 'ERROR': {
        if (dirs.has(r.path) || text === 'not a directory') {
          dirs.set(r.path, { path: r.path, exists: true, entries: [], error: text });
          break;
        }
        const f = file(r.path);
        f.exists = true;
        // "sh: 21: cannot open /x: Permission denied" → "cannot open /x: Permission denied"
        f.error = text.trim().replace(/^[\w.-]*sh: (line )?\d+: /, '');
        break;
      }
      case 'META': {
        const [mode, owner, group, mtime] = text.split(' ');
        const f = file(r.path);
        f.exists = true;
        if (mode !== undefined) f.mode = mode.padStart(4, '0');
        if (owner !== undefined) f.owner = owner;
        if (group !== undefined) f.group = group;
        if (mtime !== undefined && /^\d+$/.test(mtime)) f.mtime = Number(mtime);
        break;
      }
      case 'CONTENT': {
        const f = file(r.path);
        f.exists = true;
        f.content = text;
        f.sha256 = createHash('sha256').update(r.payload).digest('hex');
        break;
      }
      case 'DIR': {
        const prefix = r.path.endsWith('/') ? r.path : `${r.path}/`;
        const entries = text
          .split('\0')
          .filter((e) => e !== '')
          .map((e) => (e.startsWith(prefix) ? e.slice(prefix.length) : e));
        dirs.set(r.path, { path: r.path, exists: true, entries });
        break;
      }
      case 'NODIR':
        dirs.set(r.path, { path: r.path, exists: false, entries: [] });
        break;
    }
  }
  return { files: [...files.values()], dirs: [...dirs.values()] };
}

export interface ProbeOutput {
  systemdVersionText: string;
  systemdVersion?: number;
  showExitCode: number;
  showText: string;
  show: Record<string, string[]>;
  now?: number;
  process: ProcessFacts | null;
  files: FileFact[];
}

function numberOf(text: string | undefined): number | undefined {
  const t = text?.trim();
  return t !== undefined && /^\d+$/.test(t) ? Number(t) : undefined;
}

/**
 * Process start (seconds since the epoch) from /proc/PID/stat field 22 (starttime, in clock
 * ticks since boot) and /proc/stat btime. The command name (field 2) may hold spaces and ")".
 */
export function processStartTime(procStat: string, bootTime: number, clockTicks: number): number | undefined {
  const close = procStat.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = procStat.slice(close + 2).trim().split(/\s+/);
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) && clockTicks > 0 ? bootTime + ticks / clockTicks : undefined;
}

export function parseProbeOutput(stdout: string): ProbeOutput {
  const records = parseRecords(stdout);
  const single = (kind: string): RemoteRecord | undefined => records.find((r) => r.kind === kind);
  const text = (kind: string): string | undefined => single(kind)?.payload.toString('utf8');
  const versionText = text('VERSION') ?? '';
  const showText = text('SHOW') ?? '';
  const show = parseSystemctlShow(showText);
  const out: ProbeOutput = {
    systemdVersionText: versionText,
    showExitCode: numberOf(text('SHOW_RC')) ?? -1,
    showText,
    show,
    process: null,
    files: filesFromRecords(records.filter((r) => !['CMDLINE', 'PROCSTAT'].includes(r.kind))).files,
  };
  const version = parseSystemdVersion(versionText);
  if (version !== undefined) out.systemdVersion = version;
  const now = numberOf(text('NOW'));
  if (now !== undefined) out.now = now;

  const pid = Number(show.MainPID?.[0] ?? '0');
  const cmdline = single('CMDLINE');
  if (pid > 0 && cmdline && cmdline.payload.length > 0) {
    // /proc/PID/cmdline: NUL-terminated arguments; the final NUL does not start another one.
    const raw = cmdline.payload.toString('utf8');
    const argv = (raw.endsWith('\0') ? raw.slice(0, -1) : raw).split('\0');
    const processFacts: ProcessFacts = { pid, argv };
    const bootTime = numberOf(text('BTIME'));
    const ticks = numberOf(text('CLK_TCK'));
    const stat = text('PROCSTAT');
    if (stat !== undefined && bootTime !== undefined && ticks !== undefined) {
      const started = processStartTime(stat, bootTime, ticks);
      if (started !== undefined) processFacts.startedAt = started;
    }
    out.process = processFacts;
  }
  return out;
}

export function parseReadFilesOutput(stdout: string): { files: FileFact[]; dirs: DirFact[] } {
  return filesFromRecords(parseRecords(stdout));
}
