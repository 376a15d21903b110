/** ExecStart= word splitting as systemd's config_parse_exec() does it. */
import { describe, expect, it } from 'vitest';
import { parseExecCommand, substituteBraced } from '../../../src/facts/exec-command.js';
import { extractWords } from '../../../src/facts/systemd-words.js';

const words = (value: string) => parseExecCommand(value).argv.map((w) => w.value);

describe('parseExecCommand', () => {
  it('strips the -@:+! prefixes; with @ the second word is argv[0]', () => {
    const c = parseExecCommand('-@/usr/bin/kubelet kubelet-main --v=2');
    expect(c.path).toBe('/usr/bin/kubelet');
    expect(c.prefixes).toMatchObject({ ignoreFailure: true, separateArgv0: true });
    expect(c.argv.map((w) => w.value)).toEqual(['kubelet-main', '--v=2']);
    expect(parseExecCommand('+!!/usr/bin/kubelet').prefixes.privileged).toBe('+');
    expect(parseExecCommand('!!/usr/bin/kubelet').prefixes.privileged).toBe('!!');
  });

  it('classifies words: $VAR alone splits, ${VAR} inside substitutes, the rest is literal', () => {
    const c = parseExecCommand('/usr/bin/kubelet $A "$B" --x=${C} --y=$D --z=$${E} ${F:-x}');
    expect(c.argv.map((w) => w.expansion)).toEqual([
      { kind: 'literal' },
      { kind: 'split', variable: 'A', validName: true },
      { kind: 'split', variable: 'B', validName: true },
      { kind: 'substitute', variables: ['C'] },
      { kind: 'literal' },
      { kind: 'literal' },
      { kind: 'literal' },
    ]);
  });

  it('turns expansion off with the ":" prefix', () => {
    const c = parseExecCommand(':/usr/bin/kubelet $A ${B}');
    expect(c.prefixes.noEnvironmentExpansion).toBe(true);
    expect(c.argv.map((w) => w.expansion.kind)).toEqual(['literal', 'literal', 'literal']);
  });

  it('decodes C escapes in and out of quotes, keeps unknown ones with a warning', () => {
    const c = parseExecCommand(String.raw`/usr/bin/kubelet "a\tb" 'c\x41d' \u00e9 \101 --q=\"x\" \d`, { where: 'u:3' });
    expect(c.argv.map((w) => w.value)).toEqual(['/usr/bin/kubelet', 'a\tb', 'cAd', 'é', 'A', '--q="x"', '\\d']);
    expect(c.warnings).toEqual(['u:3: ignoring unknown escape sequence "\\d"']);
  });

  it('refuses a second command (";") and unbalanced quotes, and keeps "\\;" as an argument', () => {
    expect(parseExecCommand('/usr/bin/kubelet --v=2 ; /bin/true', { where: 'u:2' }).errors).toEqual([
      'u:2: ExecStart= holds more than one command (";"), which only Type=oneshot services accept',
    ]);
    expect(words(String.raw`/usr/bin/kubelet \; x`)).toEqual(['/usr/bin/kubelet', ';', 'x']);
    expect(parseExecCommand('/usr/bin/kubelet "--v=2', { where: 'u:2' }).errors).toEqual([
      'u:2: unbalanced quoting in ExecStart=, systemd ignores it: /usr/bin/kubelet "--v=2',
    ]);
  });

  it('records where each word starts (for its line)', () => {
    const c = parseExecCommand('/usr/bin/kubelet   --a  "--b c"');
    expect(c.argv.map((w) => w.offset)).toEqual([0, 19, 24]);
  });
});

describe('substituteBraced (replace_env with flags 0)', () => {
  const env: Record<string, string> = { A: 'x y', EMPTY: '' };
  const sub = (w: string) => substituteBraced(w, (n) => env[n]);
  it('substitutes ${A} as-is, unset as empty, and keeps everything else', () => {
    expect(sub('--a=${A}')).toEqual({ value: '--a=x y', references: [{ variable: 'A', set: true }] });
    expect(sub('--u=${UNSET}!')).toEqual({ value: '--u=!', references: [{ variable: 'UNSET', set: false }] });
    expect(sub('$A-$$-${A:-d}-${A')).toEqual({ value: '$A-$-${A:-d}-${A', references: [] });
  });
});

describe('extractWords', () => {
  it('splits like systemd: quotes open mid-word, empty quotes make an empty word', () => {
    const r = extractWords(`a"b c"d '' e`, { unquote: true, cunescape: false, relax: false });
    expect(r.words.map((w) => w.value)).toEqual(['ab cd', '', 'e']);
  });
  it('relaxed: an unbalanced quote ends the word instead of failing', () => {
    expect(extractWords(`--x="a b`, { unquote: true, cunescape: false, relax: true }).words.map((w) => w.value)).toEqual(['--x=a b']);
    expect(extractWords(`--x="a b`, { unquote: true, cunescape: false, relax: false }).ok).toBe(false);
  });
});
