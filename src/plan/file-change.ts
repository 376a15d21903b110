import { createHash } from 'node:crypto';
import { createTwoFilesPatch } from 'diff';
import type { FileFact } from '../facts/types.js';
import { lineEdits } from './edit/line-edits.js';
import { hasSecrets, maskDiff } from './secrets.js';
import type { FileChange } from './types.js';

export function sha256(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

export function formatOf(path: string, unitPaths: string[], configFormats: Map<string, 'json' | 'yaml'>): FileChange['format'] {
  if (unitPaths.includes(path)) return 'unit';
  return configFormats.get(path) ?? 'env';
}

/** The reviewable, applicable description of one file edit. */
export function fileChange(fact: FileFact, after: string, format: FileChange['format'], reason: string): FileChange {
  const before = fact.content ?? '';
  const secret = hasSecrets(before) || hasSecrets(after);
  const diff = maskDiff(createTwoFilesPatch(`a${fact.path}`, `b${fact.path}`, before, after, '', '', { context: 3 }));
  return {
    path: fact.path,
    format,
    reason,
    sha256Before: fact.sha256 ?? sha256(before),
    sha256After: sha256(after),
    ...(secret ? {} : { contentAfter: after }),
    edits: lineEdits(before, after),
    mode: fact.mode ?? '0644',
    owner: fact.owner ?? 'root',
    group: fact.group ?? 'root',
    diff,
    needsDaemonReload: format === 'unit',
  };
}
