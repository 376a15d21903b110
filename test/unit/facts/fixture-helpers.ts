/** Shared by the facts fixture runners: fixture discovery and a compact origin notation. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ArgOrigin } from '../../../src/kubelet/types.js';

export const FIXTURES = join(import.meta.dirname, '../../fixtures/facts');

/** Case directories (those holding a case.json) under a fixture folder. */
export function caseDirs(folder: string): string[] {
  const base = join(FIXTURES, folder);
  return readdirSync(base)
    .filter((name) => statSync(join(base, name)).isDirectory() && existsSync(join(base, name, 'case.json')))
    .sort()
    .map((name) => join(base, name));
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** "exec-start FILE:LINE", "environment VAR FILE:LINE", "environment-file VAR FILE:LINE", "process". */
export function originText(o: ArgOrigin): string {
  switch (o.kind) {
    case 'exec-start':
      return `exec-start ${o.file}:${o.line}`;
    case 'environment':
    case 'environment-file':
      return `${o.kind} ${o.variable} ${o.file}:${o.line}`;
    case 'process':
      return 'process';
  }
}
