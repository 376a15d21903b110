import { readFileSync } from 'node:fs';

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org) or --no-color given. */
export function useColor(stream: NodeJS.WriteStream, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  return Boolean(stream.isTTY);
}

export function toolVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export type Format = 'text' | 'json' | 'markdown';

export function parseFormat(value: string): Format {
  if (value === 'text' || value === 'json' || value === 'markdown') return value;
  throw new Error(`--format must be text, json or markdown, not "${value}"`);
}

export function parsePositiveInt(name: string, min = 1): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < min) throw new Error(`${name} must be a whole number ≥ ${min}, not "${value}"`);
    return Number(value);
  };
}
