import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../../src/transport/shell-quote.js';
import { sudoCommand } from '../../../src/transport/sudo.js';

const nasty = [
  '',
  'plain',
  'with space',
  "it's",
  "''",
  '$(reboot)',
  '`id`',
  '$HOME ${PATH}',
  'a\nb\ttab',
  '*.conf',
  '~/x',
  '--config=/etc/kubernetes/kubelet.conf',
  'semi;colon&&and||or|pipe>redir<in',
  '"double" \\back\\slash',
  '!bang #hash',
  'ünïcödé ✓',
];

// Round-trips through a real POSIX shell: what the remote side sees is exactly the value.
const echoed = (cmd: string) => execFileSync('/bin/sh', ['-c', cmd], { encoding: 'utf8' });

describe('shellQuote', () => {
  it.each(nasty)('%j reaches the command unchanged', (value) => {
    expect(echoed(`printf '%s' ${shellQuote(value)}`)).toBe(value);
  });

  it('keeps each value one argument', () => {
    expect(echoed(`printf '[%s]' ${nasty.map(shellQuote).join(' ')}`)).toBe(nasty.map((v) => `[${v}]`).join(''));
  });

  it('quotes the empty string as two quotes', () => {
    expect(shellQuote('')).toBe("''");
  });
});

describe('sudoCommand', () => {
  it('hands the whole command line, pipes and quotes included, to one sh -c', () => {
    const inner = `printf '%s\\n' ${shellQuote("it's $(x)")} | tr a-z A-Z; echo done`;
    const wrapped = sudoCommand(inner);
    expect(wrapped.startsWith('sudo -n -- sh -c ')).toBe(true);
    // Run the wrapped line with a stand-in `sudo` that drops its options: the shell must see `inner`.
    const fakeSudo = 'sudo() { while [ "$1" != "--" ]; do shift; done; shift; "$@"; };';
    expect(echoed(fakeSudo + wrapped)).toBe("IT'S $(X)\ndone\n");
  });
});
