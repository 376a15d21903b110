/**
 * Plans are files people attach to change requests; they must not carry credentials. A line
 * that looks like it holds one is masked in diffs, and such a file's full new content is left
 * out of the plan (apply rebuilds it from the node's own file and the line edits).
 */
const SECRET_LINE = /(password|passwd|secret|token|api[_-]?key|private[_-]?key|credentials?)["']?\s*[:=]/i;
const PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

export function looksSecret(line: string): boolean {
  return SECRET_LINE.test(line) || PEM.test(line);
}

export function hasSecrets(content: string): boolean {
  return content.split('\n').some(looksSecret);
}

/** Masks diff lines that look secret, keeping the diff's shape ("+", "-", " " prefixes). */
export function maskDiff(diff: string): string {
  return diff
    .split('\n')
    .map((l) => (/^[ +-]/.test(l) && !/^(\+\+\+|---) /.test(l) && looksSecret(l.slice(1)) ? `${l[0]}[masked: looks like a secret]` : l))
    .join('\n');
}
