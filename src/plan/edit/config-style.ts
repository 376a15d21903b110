/**
 * How a kubelet config file writes things, so inserted keys and replaced values look like the
 * lines around them: the indent unit, key quoting, the `: ` separator, scalar quoting.
 */
import { isMap, isScalar, parse, Scalar, type Pair, type ParsedNode, type YAMLMap } from 'yaml';
import { indentOf, lineStartOf } from './text-lines.js';

export type ConfigFormat = 'json' | 'yaml';
export type ConfigValue = string | boolean | number;
export type ParsedMap = YAMLMap.Parsed<ParsedNode, ParsedNode | null>;
export type ParsedPair = Pair<ParsedNode, ParsedNode | null>;

/**
 * The kubelet reads YAML through go-yaml v2, which follows YAML 1.1 (`yes`, `on` and `y` are
 * booleans there), so values are read and written under 1.1 rules.
 */
export const KUBELET_YAML = { version: '1.1', uniqueKeys: false } as const;

/** A string can be written unquoted only when both YAML 1.1 and 1.2 read it back unchanged. */
function plainIsSafe(value: string, flow: boolean): boolean {
  if (!/^[A-Za-z0-9_./@+-][A-Za-z0-9_./@+:=-]*$/.test(value)) return false;
  if (flow && value.includes(':')) return false;
  try {
    return parse(value, { version: '1.1', logLevel: 'error' }) === value && parse(value, { logLevel: 'error' }) === value;
  } catch {
    return false;
  }
}

/**
 * The text of a scalar value. Booleans and numbers are always bare (a quoted "true" is a string,
 * which the kubelet refuses for a boolean field). Strings keep the quoting style of the value
 * they replace; new YAML strings are plain when that is unambiguous.
 */
export function scalarText(value: ConfigValue, format: ConfigFormat, flow: boolean, previous?: Scalar.Type): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write the number ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return String(value);
  if (format === 'json' || previous === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  if (previous === Scalar.QUOTE_SINGLE && !/[\r\n]/.test(value)) return `'${value.replaceAll("'", "''")}'`;
  return plainIsSafe(value, flow) ? value : JSON.stringify(value);
}

/** A new key written like the keys of the mapping it joins. */
export function keyText(key: string, format: ConfigFormat, map: ParsedMap | undefined): string {
  if (format === 'json') return JSON.stringify(key);
  const sibling = map?.items.find((p) => isScalar(p.key))?.key as Scalar | undefined;
  if (sibling?.type === Scalar.QUOTE_DOUBLE) return JSON.stringify(key);
  if (sibling?.type === Scalar.QUOTE_SINGLE) return `'${key.replaceAll("'", "''")}'`;
  return plainIsSafe(key, Boolean(map?.flow)) ? key : JSON.stringify(key);
}

/**
 * What separates a key from its value: `: ` in YAML (aligned values are not copied), and in JSON
 * whatever the mapping already uses (compact files write `:`).
 */
export function colonText(content: string, map: ParsedMap | undefined, format: ConfigFormat): string {
  if (format === 'yaml') return ': ';
  for (const p of map?.items ?? []) {
    if (!p.value || !isScalar(p.key)) continue;
    const between = content.slice(p.key.range[1], p.value.range[0]);
    if (/^[ \t]*:[ \t]*$/.test(between)) return between;
  }
  return ': ';
}

/** What separates two items of a one-line flow mapping (`, ` unless the file writes `,`). */
export function commaText(content: string, map: ParsedMap): string {
  const [a, b] = map.items;
  if (a?.value && b && isScalar(b.key)) {
    const between = content.slice(a.value.range[1], b.key.range[0]);
    if (/^[ \t]*,[ \t]*$/.test(between)) return between.trimStart();
  }
  return ', ';
}

/** Column of a mapping's first key (block YAML: where a new sibling key starts). */
export function keyColumn(content: string, map: ParsedMap): number {
  const first = map.items[0]?.key as ParsedNode | undefined;
  if (!first) return 0;
  return first.range[0] - lineStartOf(content, first.range[0]);
}

/**
 * The file's indent unit: in YAML the column step from a mapping to a nested one, in JSON the
 * blanks (spaces or tabs) a pretty-printed object's keys add to the line that opens it.
 */
export function indentUnit(content: string, root: ParsedMap, format: ConfigFormat): string {
  const visit = (map: ParsedMap): string | undefined => {
    const firstKey = map.items[0]?.key as ParsedNode | undefined;
    if (format === 'json' && firstKey && map.flow && isMultiLine(content, map)) {
      const outer = indentOf(content, map.range[0]);
      const inner = indentOf(content, firstKey.range[0]);
      if (inner.startsWith(outer) && inner.length > outer.length) return inner.slice(outer.length);
    }
    for (const pair of map.items) {
      if (!isMap(pair.value) || pair.value.items.length === 0) continue;
      const child = pair.value as ParsedMap;
      if (format === 'yaml' && !map.flow && !child.flow) {
        const step = keyColumn(content, child) - keyColumn(content, map);
        if (step > 0) return ' '.repeat(step);
      }
      const found = visit(child);
      if (found) return found;
    }
    return undefined;
  };
  return visit(root) ?? '  ';
}

/** True when the flow mapping puts its items on their own lines (pretty-printed JSON). */
export function isMultiLine(content: string, map: ParsedMap): boolean {
  const first = map.items[0]?.key as ParsedNode | undefined;
  if (!first) return false;
  return content.slice(map.range[0], first.range[0]).includes('\n');
}
