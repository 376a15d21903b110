import { describe, expect, it } from 'vitest';
import { SudoError } from '../../../src/transport/errors.js';
import { sudoRefusal } from '../../../src/transport/sudo.js';

// stderr as sudo 1.8/1.9 prints it; the fleet test checks the real thing end to end.
const refusal = (code: number, stderr: string) => sudoRefusal({ stdout: '', stderr, code }, 'node1', 'azureuser');

describe('sudoRefusal', () => {
  it('turns "a password is required" into the NOPASSWD advice', () => {
    const err = refusal(1, 'sudo: a password is required\n');
    expect(err).toBeInstanceOf(SudoError);
    expect(err?.message).toBe(
      'sudo on node1 needs a password (sudo -n failed): configure NOPASSWD for this user or connect as root',
    );
    expect(err?.node).toBe('node1');
  });

  it('recognises the older "terminal is required" wording, sudoers refusals, requiretty and a missing sudo', () => {
    expect(refusal(1, 'sudo: a terminal is required to read the password; either use the -S option')?.message).toContain('needs a password');
    expect(refusal(1, 'azureuser is not in the sudoers file.  This incident will be reported.\n')?.message).toContain('not in the sudoers file');
    expect(refusal(1, 'sudo: sorry, you must have a tty to run sudo\n')?.message).toContain('requiretty');
    expect(refusal(127, 'sh: 1: sudo: not found\n')?.message).toBe('sudo is not installed on node1: install it, or connect as root');
  });

  it('leaves the command’s own failures alone', () => {
    expect(refusal(1, 'grep: /etc/x: No such file or directory\n')).toBeUndefined();
    expect(refusal(2, 'sudo: a password is required\n')).toBeUndefined();
    expect(refusal(0, '')).toBeUndefined();
  });
});
