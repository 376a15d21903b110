/**
 * Reading systemd's view of the kubelet unit, and deciding when a restarted kubelet has really
 * come up: active, running, and still the same process with no automatic restart over several
 * consecutive looks. A kubelet that rejects its config is "active" for a moment before it exits,
 * so one look is not enough.
 */
import type { UnitSnapshot } from './record.js';

export interface UnitState extends UnitSnapshot {
  result?: string;
}

/** `systemctl show -p ...` output: one Key=Value per line, in any order, unknown keys absent. */
export function parseShow(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return out;
}

export function parseUnitState(stdout: string): UnitState {
  const p = parseShow(stdout);
  const nRestarts = p.get('NRestarts');
  const result = p.get('Result');
  return {
    activeState: p.get('ActiveState') ?? 'unknown',
    subState: p.get('SubState') ?? 'unknown',
    mainPid: Number(p.get('MainPID') ?? 0) || 0,
    ...(nRestarts !== undefined && nRestarts !== '' && /^\d+$/.test(nRestarts) ? { nRestarts: Number(nRestarts) } : {}),
    ...(result ? { result } : {}),
  };
}

export function describeState(s: UnitState): string {
  const parts = [`ActiveState=${s.activeState}`, `SubState=${s.subState}`, `MainPID=${s.mainPid}`];
  if (s.nRestarts !== undefined) parts.push(`NRestarts=${s.nRestarts}`);
  if (s.result && s.result !== 'success') parts.push(`Result=${s.result}`);
  return parts.join(', ');
}

export interface StabilityRule {
  /** Consecutive active+running looks with the same MainPID and NRestarts. */
  checks: number;
}

/** One look's verdict: keep watching, stable (done), or the kubelet is not coming up. */
export type StabilityVerdict = { kind: 'wait' } | { kind: 'stable'; state: UnitState } | { kind: 'failed'; reason: string };

/**
 * Feeds looks one at a time (pure, so the rule is unit-tested without a node). Fails fast on what
 * only a crashing kubelet does: systemd restarting it, failed/inactive, or a new MainPID.
 */
export class StabilityWatch {
  private streak = 0;
  private firstPid = 0;
  private firstRestarts: number | undefined;
  private seenFirst = false;

  constructor(private readonly rule: StabilityRule) {}

  look(s: UnitState): StabilityVerdict {
    if (s.activeState === 'failed' || s.subState === 'auto-restart' || s.activeState === 'inactive') {
      return { kind: 'failed', reason: `the kubelet exited (${describeState(s)})` };
    }
    if (!this.seenFirst) {
      this.seenFirst = true;
      this.firstRestarts = s.nRestarts;
    } else if (this.firstRestarts !== undefined && s.nRestarts !== undefined && s.nRestarts > this.firstRestarts) {
      return { kind: 'failed', reason: `systemd restarted the kubelet (NRestarts ${this.firstRestarts} → ${s.nRestarts}; ${describeState(s)})` };
    }
    if (s.activeState !== 'active' || s.subState !== 'running' || s.mainPid <= 0) {
      this.streak = 0;
      return { kind: 'wait' };
    }
    if (this.firstPid === 0) this.firstPid = s.mainPid;
    else if (s.mainPid !== this.firstPid) {
      return { kind: 'failed', reason: `the kubelet was restarted (MainPID ${this.firstPid} → ${s.mainPid}; ${describeState(s)})` };
    }
    this.streak += 1;
    return this.streak >= this.rule.checks ? { kind: 'stable', state: s } : { kind: 'wait' };
  }
}
