/**
 * POSIX single-quote quoting: the only safe way to pass a value through a remote shell.
 * Inside single quotes nothing is special except the quote itself, closed, escaped and reopened.
 */
export function shellQuote(value: string): string {
  if (value === '') return "''";
  if (/^[A-Za-z0-9_\-./=:,@%+]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
