import { SudoError } from './errors.js';
import { shellQuote } from './shell-quote.js';
import type { ExecResult } from './transport.js';

/**
 * `sudo -n` never prompts: without NOPASSWD it fails at once instead of hanging on a password
 * prompt no one can answer. `sh -c` keeps the whole command line (pipes, redirections) under sudo.
 */
export function sudoCommand(command: string): string {
  return `sudo -n -- sh -c ${shellQuote(command)}`;
}

/**
 * sudo's own refusal, recognised from its exit status and stderr, as a SudoError; undefined when
 * sudo ran the command (whatever the command's own outcome).
 */
export function sudoRefusal(result: ExecResult, node: string, user: string): SudoError | undefined {
  const { code, stderr } = result;
  if (code === 127 && /sudo: (command )?not found/.test(stderr)) {
    return new SudoError(node, `sudo is not installed on ${node}: install it, or connect as root`);
  }
  if (code !== 1) return undefined;
  if (/^sudo: (a password is required|a terminal is required)/m.test(stderr)) {
    return new SudoError(
      node,
      `sudo on ${node} needs a password (sudo -n failed): configure NOPASSWD for this user or connect as root`,
    );
  }
  if (/is not in the sudoers file|is not allowed to (run sudo|execute)/.test(stderr)) {
    return new SudoError(node, `${user} may not use sudo on ${node} (not in the sudoers file): grant it NOPASSWD sudo or connect as root`);
  }
  if (/^sudo: sorry, you must have a tty/m.test(stderr)) {
    return new SudoError(node, `sudo on ${node} requires a terminal (Defaults requiretty): disable requiretty for ${user} or connect as root`);
  }
  return undefined;
}
