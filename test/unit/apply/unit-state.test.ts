import { describe, expect, it } from 'vitest';
import { parseUnitState, StabilityWatch, type UnitState } from '../../../src/apply/unit-state.js';

const active = (mainPid: number, nRestarts?: number): UnitState => ({
  activeState: 'active',
  subState: 'running',
  mainPid,
  ...(nRestarts === undefined ? {} : { nRestarts }),
});

function feed(looks: UnitState[], checks = 3) {
  const w = new StabilityWatch({ checks });
  for (const [i, s] of looks.entries()) {
    const v = w.look(s);
    if (v.kind !== 'wait') return { ...v, at: i };
  }
  return { kind: 'wait' as const, at: looks.length };
}

describe('parseUnitState', () => {
  it('reads systemctl show output as systemd 252 prints it', () => {
    expect(parseUnitState('MainPID=1377\nResult=success\nNRestarts=1\nExecMainStatus=0\nActiveState=active\nSubState=running\n')).toEqual({
      activeState: 'active',
      subState: 'running',
      mainPid: 1377,
      nRestarts: 1,
      result: 'success',
    });
  });

  it('has no NRestarts on old systemd', () => {
    expect(parseUnitState('ActiveState=activating\nSubState=auto-restart\nMainPID=0\nResult=exit-code\n')).toEqual({
      activeState: 'activating',
      subState: 'auto-restart',
      mainPid: 0,
      result: 'exit-code',
    });
  });
});

describe('StabilityWatch', () => {
  it('is stable after N consecutive unchanged active looks', () => {
    expect(feed([active(10, 0), active(10, 0), active(10, 0)])).toMatchObject({ kind: 'stable', at: 2 });
  });

  it('waits through activating and counts from the first active look', () => {
    const activating: UnitState = { activeState: 'activating', subState: 'start', mainPid: 10, nRestarts: 0 };
    expect(feed([activating, active(10, 0), active(10, 0), active(10, 0)])).toMatchObject({ kind: 'stable', at: 3 });
  });

  it('fails as soon as systemd schedules an automatic restart (the real broken-config picture)', () => {
    // systemd 252 with a kubelet rejecting its config: active for a moment, then auto-restart.
    const v = feed([active(1377, 0), { activeState: 'activating', subState: 'auto-restart', mainPid: 0, nRestarts: 1, result: 'exit-code' }]);
    expect(v).toMatchObject({ kind: 'failed', at: 1 });
    expect((v as { reason: string }).reason).toMatch(/^the kubelet exited \(ActiveState=activating, SubState=auto-restart, MainPID=0, NRestarts=1, Result=exit-code\)/);
  });

  it('fails when NRestarts grows between looks even if it is active again', () => {
    const v = feed([active(10, 0), active(12, 1)], 5);
    expect(v).toMatchObject({ kind: 'failed' });
    expect((v as { reason: string }).reason).toContain('NRestarts 0 → 1');
  });

  it('without NRestarts (systemd < 235) a new MainPID means it was restarted', () => {
    const v = feed([active(10), active(10), active(11)], 5);
    expect((v as { reason: string }).reason).toContain('MainPID 10 → 11');
  });

  it('fails on failed or inactive', () => {
    expect(feed([{ activeState: 'failed', subState: 'failed', mainPid: 0 }])).toMatchObject({ kind: 'failed', at: 0 });
    expect(feed([active(5), { activeState: 'inactive', subState: 'dead', mainPid: 0 }])).toMatchObject({ kind: 'failed', at: 1 });
  });
});
