import { describe, expect, it } from 'vitest';
import { addFlag, setFlag, type FlagEditTarget } from '../../../src/plan/edit/flag-edit.js';
import { applyLineEdits, lineEdits } from '../../../src/plan/edit/line-edits.js';
import { changedLines, loadCases } from './fixture-cases.js';

interface FlagSpec {
  about: string;
  file: string;
  op: 'set' | 'add';
  target: FlagEditTarget;
  flag: string;
  value: string;
  isBoolean?: boolean;
  diff?: { removed: string[]; added: string[] };
  error?: string;
}

describe('setFlag / addFlag (test/fixtures/edit/flag)', () => {
  for (const c of loadCases<FlagSpec>('flag')) {
    const { spec } = c;
    it(`${c.name}: ${spec.about}`, () => {
      const set = (content: string): string => setFlag(content, spec.target, spec.flag, spec.value, spec.isBoolean ?? false, spec.file);
      const add = (content: string): string => addFlag(content, spec.target, spec.flag, spec.value, spec.file);
      const run = spec.op === 'set' ? set : add;
      if (spec.error !== undefined) {
        expect(() => run(c.input)).toThrow(spec.error);
        return;
      }
      const out = run(c.input);
      expect(out).toBe(c.expected);
      expect(changedLines(c.input, out)).toEqual(spec.diff);
      expect(applyLineEdits(c.input, lineEdits(c.input, out))).toBe(out);
      // Once done, setting again changes nothing and adding again is refused.
      expect(set(out)).toBe(out);
      if (spec.op === 'add') expect(() => add(out)).toThrow('already contains');
    });
  }
});

describe('flag definitions follow systemd quoting', () => {
  const unit = (line: string): string => `[Service]\n${line}\n`;
  const target = { kind: 'environment', variable: 'A', line: 2 } as const;

  it('edits a flag whose value is quoted inside the variable, keeping those quotes', () => {
    expect(setFlag(unit(`Environment='A=--authorization-mode="AlwaysAllow" --v=2'`), target, '--authorization-mode', 'Webhook', false, 'u')).toBe(
      unit(`Environment='A=--authorization-mode="Webhook" --v=2'`),
    );
  });

  it('matches flag names written with underscores, as the kubelet normalizes them', () => {
    expect(setFlag(unit('Environment=A=--authorization_mode=AlwaysAllow'), target, '--authorization-mode', 'Webhook', false, 'u')).toBe(
      unit('Environment=A=--authorization_mode=Webhook'),
    );
  });

  it('ignores flags after a literal --', () => {
    expect(() => setFlag(unit('Environment="A=-- --authorization-mode=AlwaysAllow"'), target, '--authorization-mode', 'Webhook', false, 'u')).toThrow(
      'u:2: A does not contain --authorization-mode',
    );
  });

  it('uses the last assignment of the variable on the line, the one systemd keeps', () => {
    expect(setFlag(unit('Environment=A=--v=1 A=--v=2'), target, '--v', '3', false, 'u')).toBe(unit('Environment=A=--v=1 A=--v=3'));
  });

  it('refuses a value only partly quoted rather than unbalancing the quotes', () => {
    expect(() => setFlag(unit(`Environment="A=--authorization-mode=Always"'Allow'`), target, '--authorization-mode', 'Webhook', false, 'u')).toThrow(
      'u:2: the value of --authorization-mode is only partly quoted; edit it by hand',
    );
  });

  it('refuses a target outside [Service]', () => {
    expect(() => setFlag('[Unit]\nEnvironment=A=--v=1\n', target, '--v', '2', false, 'u')).toThrow('u:2: this Environment= is not in the [Service] section');
  });

  it('refuses a line systemd ignores, as the plan reading it does', () => {
    expect(() => setFlag('Environment=A=--v=1\n[Service]\n', { ...target, line: 1 }, '--v', '2', false, 'u')).toThrow(
      'u:1: systemd ignores this line (assignment outside of section, ignoring)',
    );
  });

  it('edits a unit file that starts with a byte order mark, at the right offsets', () => {
    expect(setFlag('\uFEFF[Service]\nEnvironment=A=--v=1\n', target, '--v', '2', false, 'u')).toBe('\uFEFF[Service]\nEnvironment=A=--v=2\n');
  });

  it('refuses a target line that continues an earlier directive, or a comment', () => {
    const text = '[Service]\nExecStart=/usr/bin/kubelet \\\n  --v=2\n# comment\n';
    expect(() => setFlag(text, { kind: 'exec-start', line: 3 }, '--v', '3', false, 'u')).toThrow('u:3: this line continues the directive that starts on line 2');
    expect(() => setFlag(text, { kind: 'exec-start', line: 4 }, '--v', '3', false, 'u')).toThrow('u:4: this line is not a directive');
  });

  it('skips comment lines inside an ExecStart= continuation', () => {
    const text = '[Service]\nExecStart=/usr/bin/kubelet \\\n# --v=9 \\\n  --v=2\n';
    expect(setFlag(text, { kind: 'exec-start', line: 2 }, '--v', '3', false, 'u')).toBe('[Service]\nExecStart=/usr/bin/kubelet \\\n# --v=9 \\\n  --v=3\n');
  });

  it('env file: quotes only count right after = or after a closing quote', () => {
    const env = 'A=--v=1 "--authorization-mode=AlwaysAllow"\nB="--v=1" --authorization-mode=AlwaysAllow\n';
    // In A the quotes are literal characters of the value; $A then unquotes them when splitting.
    expect(setFlag(env, { kind: 'environment-file', variable: 'A', line: 1 }, '--authorization-mode', 'Webhook', false, 'e')).toBe(
      'A=--v=1 "--authorization-mode=Webhook"\nB="--v=1" --authorization-mode=AlwaysAllow\n',
    );
    // In B systemd skips the blank after the closing quote: the value is "--v=1--authorization-mode=AlwaysAllow".
    expect(() => setFlag(env, { kind: 'environment-file', variable: 'B', line: 2 }, '--authorization-mode', 'Webhook', false, 'e')).toThrow(
      'e:2: B does not contain --authorization-mode',
    );
  });

  it('env file: a line inside a multi-line quoted value is not an assignment', () => {
    const env = 'A="--v=1\nB=--v=2"\n';
    expect(() => setFlag(env, { kind: 'environment-file', variable: 'B', line: 2 }, '--v', '3', false, 'e')).toThrow('e:2: this line does not assign B');
  });

  it('refuses a flag name that is not --name', () => {
    expect(() => addFlag('A=\n', { kind: 'environment-file', variable: 'A', line: 1 }, 'authorization-mode', 'Webhook', 'e')).toThrow(
      'e:1: "authorization-mode" is not a flag name of the form --name',
    );
  });

  it('keeps a separate-value flag and its value together when adding before trailing $VARs', () => {
    const text = '[Service]\nExecStart=/usr/bin/kubelet --v=2 --config $CONFIG_PATH $EXTRA\n';
    expect(addFlag(text, { kind: 'exec-start', line: 2 }, '--authorization-mode', 'Webhook', 'u')).toBe(
      '[Service]\nExecStart=/usr/bin/kubelet --v=2 --authorization-mode=Webhook --config $CONFIG_PATH $EXTRA\n',
    );
  });

  it('honours the @ prefix of ExecStart= (the second word is argv[0], not a flag)', () => {
    const text = '[Service]\nExecStart=@/usr/bin/kubelet kubelet --v=2\n';
    expect(setFlag(text, { kind: 'exec-start', line: 2 }, '--v', '4', false, 'u')).toBe('[Service]\nExecStart=@/usr/bin/kubelet kubelet --v=4\n');
  });
});
