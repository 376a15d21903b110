/**
 * Minimal edits of a kubelet config file (JSON or YAML). The `yaml` package parses both (JSON is
 * YAML) and gives each node's offsets; we splice only the text of the value that changes, or
 * insert the missing key, so comments, key order, quoting, indentation and line endings stay.
 *
 * A missing key is inserted after the last key of its mapping (files are not kept sorted by
 * their generators, so "at the end" is the one placement that never looks misplaced).
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, Scalar, type ParsedNode } from 'yaml';
import {
  colonText,
  commaText,
  indentUnit,
  isMultiLine,
  keyColumn,
  keyText,
  KUBELET_YAML,
  scalarText,
  type ConfigFormat,
  type ConfigValue,
  type ParsedMap,
  type ParsedPair,
} from './config-style.js';
import { applySplices, indentOf, lineAt, lineEnding, type Splice } from './text-lines.js';

export interface ConfigSet {
  /** Field path, e.g. ["authorization", "mode"]. */
  path: string[];
  value: ConfigValue;
}

function parseConfig(content: string, file: string): { root: ParsedMap } {
  const doc = parseDocument(content, KUBELET_YAML);
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0];
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
    throw new Error(`${where}: cannot edit, the file does not parse: ${error.message.split('\n')[0]}`);
  }
  if (!isMap(doc.contents)) throw new Error(`${file}: cannot edit, the top level is not a mapping`);
  return { root: doc.contents as ParsedMap };
}

/** Go's decoders keep the last of duplicate keys, so the last pair is the one that counts. */
function pairFor(map: ParsedMap, key: string): ParsedPair | undefined {
  for (let i = map.items.length - 1; i >= 0; i--) {
    const pair = map.items[i];
    if (pair && isScalar(pair.key) && String(pair.key.value) === key) return pair;
  }
  return undefined;
}

function describe(node: ParsedNode | null): string {
  if (node === null) return 'empty';
  if (isAlias(node)) return `an alias (*${node.source})`;
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a mapping';
  const v = (node as Scalar).value;
  return v === null ? 'null' : `the ${typeof v} ${JSON.stringify(v)}`;
}

function isNull(node: ParsedNode | null): node is Scalar.Parsed | null {
  return node === null || (isScalar(node) && node.value === null && !node.tag);
}

class ConfigEditor {
  private readonly eol: '\r\n' | '\n';
  private readonly unit: string;

  constructor(
    private readonly content: string,
    private readonly format: ConfigFormat,
    private readonly root: ParsedMap,
    private readonly file: string,
  ) {
    this.eol = lineEnding(content);
    this.unit = indentUnit(content, root, format);
  }

  private fail(offset: number, message: string): never {
    throw new Error(`${this.file}:${lineAt(this.content, offset)}: ${message}`);
  }

  /** The one splice that gives `set.path` the value `set.value`, or none when it already has it. */
  splice({ path, value }: ConfigSet): Splice | undefined {
    const dotted = path.join('.');
    let map = this.root;
    for (const [i, key] of path.entries()) {
      const pair = pairFor(map, key);
      const rest = path.slice(i);
      if (!pair) return this.insert(map, rest, value);
      const node = pair.value;
      const here = path.slice(0, i + 1).join('.');
      if (i === path.length - 1) return this.replace(pair, dotted, value);
      if (isMap(node)) {
        map = node as ParsedMap;
        continue;
      }
      if (isNull(node)) return this.fillNull(pair, path.slice(i + 1), value);
      this.fail(node.range[0], `cannot set ${dotted}: ${here} is ${describe(node)}, not a mapping`);
    }
    throw new Error('internal: empty config path');
  }

  private replace(pair: ParsedPair, dotted: string, value: ConfigValue): Splice | undefined {
    const node = pair.value;
    const keyNode = pair.key as ParsedNode;
    if (node === null || (isScalar(node) && node.value === null && node.range[0] === node.range[1])) {
      // `key:` with nothing after it: write the value right after the colon.
      const at = node ? node.range[0] : keyNode.range[1];
      const colon = this.content.slice(keyNode.range[1], at).includes(':') ? '' : ':';
      return { start: at, end: at, text: `${colon} ${scalarText(value, this.format, false)}` };
    }
    if (!isScalar(node)) this.fail(node.range[0], `cannot set ${dotted}: it is ${describe(node)}, not a single value`);
    if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) {
      this.fail(node.range[0], `cannot set ${dotted}: it is a block scalar (| or >); edit it by hand`);
    }
    if (node.tag && !(node.tag === 'tag:yaml.org,2002:str' && typeof value === 'string')) {
      this.fail(node.range[0], `cannot set ${dotted}: its value carries the tag ${node.tag}; edit it by hand`);
    }
    if (node.value === value) return undefined;
    const flow = this.format === 'json' || this.inFlow(node.range[0]);
    return { start: node.range[0], end: node.range[1], text: scalarText(value, this.format, flow, node.type) };
  }

  /** True when the offset sits inside a flow collection (where `,` and `:` end plain scalars). */
  private inFlow(offset: number): boolean {
    const visit = (map: ParsedMap): boolean => {
      if (offset < map.range[0] || offset > map.range[1]) return false;
      if (map.flow) return true;
      return map.items.some((p) => isMap(p.value) && visit(p.value as ParsedMap));
    };
    return visit(this.root);
  }

  /** `key: null` / `key: ~` / `"key": null` on the way to a nested field: the null becomes a mapping. */
  private fillNull(pair: ParsedPair, rest: string[], value: ConfigValue): Splice {
    const keyNode = pair.key as ParsedNode;
    const node = pair.value;
    const inline = this.inlineMapping(rest, value, undefined);
    if (node === null || node.range[0] === node.range[1]) {
      const at = node ? node.range[0] : keyNode.range[1];
      return { start: at, end: at, text: ` ${inline}` };
    }
    return { start: node.range[0], end: node.range[1], text: inline };
  }

  /** `{"k": {"k2": v}}` / `{k: {k2: v}}`: the rest of a path as one flow mapping. */
  private inlineMapping(rest: string[], value: ConfigValue, map: ParsedMap | undefined): string {
    const colon = colonText(this.content, map, this.format);
    let text = scalarText(value, this.format, true);
    for (let i = rest.length - 1; i >= 0; i--) text = `{${keyText(rest[i] ?? '', this.format, map)}${colon}${text}}`;
    return text;
  }

  /** Lines `key: {` ... `}` of pretty-printed JSON for the rest of a path, starting at `indent`. */
  private jsonPair(rest: string[], value: ConfigValue, indent: string, map: ParsedMap): string {
    const colon = colonText(this.content, map, 'json');
    const [key, ...deeper] = rest;
    const head = `${keyText(key ?? '', 'json', map)}${colon}`;
    if (deeper.length === 0) return head + scalarText(value, 'json', true);
    const inner = indent + this.unit;
    return `${head}{${this.eol}${inner}${this.jsonPair(deeper, value, inner, map)}${this.eol}${indent}}`;
  }

  private insert(map: ParsedMap, rest: string[], value: ConfigValue): Splice {
    if (!map.flow) return this.insertBlock(map, rest, value);
    const last = map.items[map.items.length - 1];
    const jsonLines = this.format === 'json' && (map.items.length > 0 ? isMultiLine(this.content, map) : isMultiLine(this.content, this.root));
    if (!last) {
      // An empty `{}`: rewrite just that node.
      const [start, end] = map.range;
      if (!jsonLines) return { start, end, text: this.inlineMapping(rest, value, undefined) };
      const outer = indentOf(this.content, start);
      const inner = outer + this.unit;
      return { start, end, text: `{${this.eol}${inner}${this.jsonPair(rest, value, inner, this.root)}${this.eol}${outer}}` };
    }
    const lastEnd = (last.value ?? (last.key as ParsedNode)).range[1];
    if (jsonLines) {
      const indent = indentOf(this.content, (last.key as ParsedNode).range[0]);
      return { start: lastEnd, end: lastEnd, text: `,${this.eol}${indent}${this.jsonPair(rest, value, indent, map)}` };
    }
    const pair = this.inlineMapping(rest, value, map).slice(1, -1);
    return { start: lastEnd, end: lastEnd, text: `${commaText(this.content, map)}${pair}` };
  }

  private insertBlock(map: ParsedMap, rest: string[], value: ConfigValue): Splice {
    const column = keyColumn(this.content, map);
    const colon = colonText(this.content, map, 'yaml');
    const lines = rest.map((key, i) => {
      const indent = ' '.repeat(column) + this.unit.repeat(i);
      const head = `${indent}${keyText(key, 'yaml', i === 0 ? map : undefined)}`;
      return i === rest.length - 1 ? `${head}${colon}${scalarText(value, 'yaml', false)}` : `${head}:`;
    });
    const text = lines.join(this.eol);
    const last = map.items[map.items.length - 1];
    const end = last ? Math.max((last.key as ParsedNode).range[1], last.value?.range[1] ?? 0) : map.range[1];
    // After the line where the last entry ends (a nested block already ends past its newline).
    if (this.content[end - 1] === '\n') return { start: end, end, text: text + this.eol };
    const newline = this.content.indexOf('\n', end);
    if (newline === -1) return { start: this.content.length, end: this.content.length, text: this.eol + text };
    return { start: newline + 1, end: newline + 1, text: text + this.eol };
  }
}

function valueAt(root: ParsedMap, path: string[]): unknown {
  let node: ParsedNode | null = root;
  for (const key of path) {
    if (!isMap(node)) return undefined;
    node = pairFor(node as ParsedMap, key)?.value ?? null;
  }
  return isScalar(node) ? node.value : undefined;
}

/**
 * Sets each field to its value with the smallest possible change of `content`, in the order
 * given, and returns the new text. Throws (naming the file and line) when the file does not
 * parse, a path runs through something that is not a mapping, or the edited text would not read
 * back as intended (for JSON: as strict JSON).
 */
export function setConfigValues(content: string, format: ConfigFormat, sets: ConfigSet[], file: string): string {
  let text = content;
  for (const set of sets) {
    if (set.path.length === 0 || set.path.some((k) => k === '')) throw new Error(`${file}: invalid field path "${set.path.join('.')}"`);
    const { root } = parseConfig(text, file);
    const splice = new ConfigEditor(text, format, root, file).splice(set);
    if (splice) text = applySplices(text, [splice]);
  }
  if (text === content) return text;
  const { root } = parseConfig(text, file);
  if (format === 'json') {
    try {
      JSON.parse(text);
    } catch (e) {
      throw new Error(`internal: the edit of ${file} is not valid JSON: ${(e as Error).message}`);
    }
  }
  const wanted = new Map(sets.map((s) => [s.path.join('\u0000'), s]));
  for (const s of wanted.values()) {
    const got = valueAt(root, s.path);
    if (got !== s.value) throw new Error(`internal: the edit of ${file} reads back ${s.path.join('.')}=${String(got)}, not ${String(s.value)}`);
  }
  return text;
}
