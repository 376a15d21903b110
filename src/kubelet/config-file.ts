/**
 * A kubelet --config file (or --config-dir drop-in) read into data, with the line of any setting.
 *
 * The kubelet decodes every config file as YAML (sigs.k8s.io/yaml, YAML 1.1 rules: `yes` is a
 * boolean) and JSON is read through the same path. We still tell JSON from YAML, because an edit
 * must keep the file's format: JSON if it parses as JSON or starts with "{".
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { positionOf, scanJson } from './json-syntax.js';

export interface KubeletConfigFile {
  path: string;
  format: 'json' | 'yaml';
  /** Why that format was chosen, for messages. */
  formatReason: string;
  data: Record<string, unknown>;
  /** Line (1-based) where the setting at `path` is written, e.g. ['authorization', 'mode']. */
  lineOf(path: string[]): number | undefined;
  /** Accepted by the kubelet but worth saying (not strict JSON, duplicate keys ...). */
  warnings: string[];
}

/** The file would stop the kubelet ("failed to load kubelet config file"). */
export class ConfigFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
    reason: string,
  ) {
    super(line === undefined ? `${file}: ${reason}` : `${file}:${line}:${column ?? 1}: ${reason}`);
    this.name = 'ConfigFileError';
  }
}

function yamlDocument(content: string): { doc: Document.Parsed; lc: LineCounter } {
  const lc = new LineCounter();
  const doc = parseDocument(content, { lineCounter: lc, uniqueKeys: false, version: '1.1' });
  return { doc, lc };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function yamlLineOf(doc: Document.Parsed, lc: LineCounter, path: string[]): number | undefined {
  let node: unknown = doc.contents;
  let keyOffset: number | undefined = 0;
  for (const seg of path) {
    if (isMap(node)) {
      // The last duplicate wins, as it does when the kubelet decodes the file.
      const pair = [...node.items].reverse().find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === seg);
      if (!pair) return undefined;
      keyOffset = (pair.key as Node | null)?.range?.[0];
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)] as Node | undefined;
      if (!item) return undefined;
      keyOffset = item.range?.[0];
      node = item;
    } else return undefined;
  }
  return keyOffset === undefined ? undefined : lc.linePos(keyOffset).line;
}

function duplicateKeyWarnings(path: string, doc: Document.Parsed, lc: LineCounter): string[] {
  const out: string[] = [];
  const visit = (node: unknown): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const p of node.items) {
        const k = isScalar(p.key) ? String(p.key.value) : String(p.key);
        if (seen.has(k)) {
          const at = (p.key as Node | null)?.range?.[0];
          out.push(`${path}${at === undefined ? '' : `:${lc.linePos(at).line}`}: duplicate key "${k}": the last one wins`);
        }
        seen.add(k);
        visit(p.value);
      }
    } else if (isSeq(node)) node.items.forEach(visit);
  };
  visit(doc.contents);
  return out;
}

function asMapping(path: string, data: unknown): Record<string, unknown> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigFileError(path, undefined, undefined, 'the top level is not a mapping of settings');
  }
  return data as Record<string, unknown>;
}

export function parseKubeletConfig(path: string, content: string): KubeletConfigFile {
  if (content.trim() === '') throw new ConfigFileError(path, undefined, undefined, 'the file is empty (the kubelet refuses an empty config file)');
  const text = content.startsWith('\uFEFF') ? content.slice(1) : content;
  const startsWithBrace = text.trimStart().startsWith('{');

  let json: unknown;
  let jsonOk = false;
  try {
    json = JSON.parse(text);
    jsonOk = true;
  } catch {
    jsonOk = false;
  }

  if (jsonOk || startsWithBrace) {
    const scan = scanJson(text);
    const warnings: string[] = [];
    let data: Record<string, unknown>;
    if (jsonOk) data = asMapping(path, json);
    else {
      const err = scan.error ?? { offset: 0, message: 'invalid JSON' };
      const pos = positionOf(text, err.offset);
      const { doc } = yamlDocument(text);
      if (doc.errors.length > 0) throw new ConfigFileError(path, pos.line, pos.column, err.message);
      // Not JSON, but the kubelet's YAML decoder takes it (e.g. a trailing comma).
      data = asMapping(path, doc.toJS());
      warnings.push(`${path}:${pos.line}:${pos.column}: not strict JSON (${err.message}); the kubelet reads it as YAML and accepts it`);
    }
    const { doc, lc } = yamlDocument(text);
    warnings.push(...duplicateKeyWarnings(path, doc, lc));
    return {
      path,
      format: 'json',
      formatReason: jsonOk ? 'it parses as JSON' : 'it starts with "{"',
      data,
      lineOf: (p) => {
        if (p.length === 0) return 1;
        const at = scan.keys.get(JSON.stringify(p));
        return at !== undefined ? positionOf(text, at).line : doc.errors.length === 0 ? yamlLineOf(doc, lc, p) : undefined;
      },
      warnings,
    };
  }

  const { doc, lc } = yamlDocument(text);
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    throw new ConfigFileError(path, pos?.line, pos?.col, firstLine(first.message));
  }
  const data = asMapping(path, doc.toJS());
  return {
    path,
    format: 'yaml',
    formatReason: 'it is not JSON',
    data,
    lineOf: (p) => (p.length === 0 ? 1 : yamlLineOf(doc, lc, p)),
    warnings: duplicateKeyWarnings(path, doc, lc),
  };
}

/** The value at a path of decoded config data (undefined when any step is missing). */
export function getPath(data: unknown, path: readonly string[]): unknown {
  let cur: unknown = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}
