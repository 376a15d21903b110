import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { TargetError } from './errors.js';
import { expandTilde } from './ssh-config-file.js';

/**
 * The inventory file: a YAML list of nodes, with optional shared defaults and group labels.
 *
 *   defaults:                      # optional, every field may be overridden per node
 *     user: azureuser
 *     identityFile: ~/.ssh/aks     # one path or a list
 *   nodes:
 *     - name: aks-pool1-0          # required, unique
 *       host: 10.224.0.4           # optional, defaults to name; ssh_config aliases work
 *       port: 22
 *       proxyJump: bastion         # ssh -J syntax
 *       groups: [pool1]
 *
 * Unknown keys are errors, so a typo such as `identity_file` cannot silently drop a setting.
 */
const pathList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const word = (what: string) =>
  z.string().regex(/^[^\s'"`$;&|<>\\]+$/, `${what} must be a single word without spaces or shell characters`);

const connection = {
  port: z.number().int().min(1).max(65535),
  user: word('user'),
  identityFile: pathList,
  knownHostsFile: pathList,
  proxyJump: z.string().min(1),
};

const nodeSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'name may use letters, digits, ".", "_", ":" and "-"'),
  host: word('host').optional(),
  port: connection.port.optional(),
  user: connection.user.optional(),
  identityFile: connection.identityFile.optional(),
  knownHostsFile: connection.knownHostsFile.optional(),
  proxyJump: connection.proxyJump.optional(),
  groups: z.array(word('group')).optional(),
});

const inventorySchema = z.strictObject({
  defaults: z
    .strictObject({
      port: connection.port.optional(),
      user: connection.user.optional(),
      identityFile: connection.identityFile.optional(),
      knownHostsFile: connection.knownHostsFile.optional(),
      proxyJump: connection.proxyJump.optional(),
    })
    .optional(),
  nodes: z.array(nodeSchema).min(1, 'the inventory lists no nodes'),
});

/** One inventory node with defaults applied and paths made absolute. */
export interface InventoryNode {
  name: string;
  host: string;
  port?: number;
  user?: string;
  identityFiles?: string[];
  knownHostsFiles?: string[];
  proxyJump?: string;
  groups: string[];
  file: string;
  line: number;
}

export async function loadInventory(file: string, home: string): Promise<InventoryNode[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new TargetError(`cannot read inventory ${file}: ${(err as Error).message}`, file);
  }
  return parseInventory(text, file, home);
}

export function parseInventory(text: string, file: string, home: string): InventoryNode[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const firstError = doc.errors[0];
  if (firstError) {
    const pos = firstError.linePos?.[0];
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
    const what = (firstError.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new TargetError(`${where}: invalid YAML: ${what}`, file, pos?.line);
  }
  const at = (path: readonly PropertyKey[], key = false) => {
    const offset = offsetOf(doc, path, key);
    return offset === undefined ? undefined : lines.linePos(offset);
  };

  if (doc.contents === null) {
    throw new TargetError(`${file}: the inventory is empty; it needs a "nodes:" list`, file);
  }
  const parsed = inventorySchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
      const path = unknownKey !== undefined ? [...issue.path, unknownKey] : issue.path;
      const pos = at(path, unknownKey !== undefined);
      const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
      const message =
        unknownKey !== undefined
          ? `unknown key "${unknownKey}" (allowed: ${allowedKeys(issue.path)})`
          : issue.code === 'invalid_type' && issue.message.endsWith('received undefined')
            ? 'required, but missing'
            : issue.message;
      return { text: `${where}: ${formatPath(path)}: ${message}`, line: pos?.line };
    });
    throw new TargetError(problems.map((p) => p.text).join('\n'), file, problems[0]?.line);
  }

  const { defaults = {}, nodes } = parsed.data;
  const base = dirname(resolvePath(file));
  const paths = (value: string | string[] | undefined) =>
    value === undefined
      ? undefined
      : (Array.isArray(value) ? value : [value]).map((p) => {
          const expanded = expandTilde(p, home);
          return isAbsolute(expanded) ? expanded : resolvePath(base, expanded);
        });

  const firstLine = new Map<string, number>();
  return nodes.map((node, index) => {
    const line = at(['nodes', index])?.line ?? 0;
    const previous = firstLine.get(node.name.toLowerCase());
    if (previous !== undefined) {
      const pos = at(['nodes', index, 'name']);
      throw new TargetError(
        `${file}:${pos?.line ?? line}: nodes[${index}].name: duplicate node name "${node.name}" (first defined at line ${previous})`,
        file,
        pos?.line ?? line,
      );
    }
    firstLine.set(node.name.toLowerCase(), line);
    const identityFiles = paths(node.identityFile ?? defaults.identityFile);
    const knownHostsFiles = paths(node.knownHostsFile ?? defaults.knownHostsFile);
    const port = node.port ?? defaults.port;
    const user = node.user ?? defaults.user;
    const proxyJump = node.proxyJump ?? defaults.proxyJump;
    return {
      name: node.name,
      host: node.host ?? node.name,
      ...(port !== undefined ? { port } : {}),
      ...(user !== undefined ? { user } : {}),
      ...(identityFiles ? { identityFiles } : {}),
      ...(knownHostsFiles ? { knownHostsFiles } : {}),
      ...(proxyJump !== undefined ? { proxyJump } : {}),
      groups: node.groups ?? [],
      file,
      line,
    };
  });
}

function allowedKeys(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'defaults, nodes';
  if (path[0] === 'defaults') return Object.keys(connection).join(', ');
  return Object.keys(nodeSchema.shape).join(', ');
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : `${i === 0 ? '' : '.'}${String(seg)}`)).join('');
}

/** Source offset of the value (or, with `key`, the key) at `path`, or of its nearest existing parent. */
function offsetOf(doc: Document, path: readonly PropertyKey[], key: boolean): number | undefined {
  let node: unknown = doc.contents;
  let offset = (doc.contents as YamlNode | null)?.range?.[0];
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
      if (!pair) return offset;
      const target = last && key ? pair.key : (pair.value ?? pair.key);
      node = target;
      offset = (target as YamlNode | null)?.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) return offset;
      node = item;
      offset = (item as YamlNode | null)?.range?.[0] ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

/** Nodes that carry at least one of `groups`; naming a group no node carries is an error. */
export function selectGroups(nodes: InventoryNode[], groups: string[], file: string): InventoryNode[] {
  const known = new Set(nodes.flatMap((n) => n.groups));
  const missing = groups.filter((g) => !known.has(g));
  if (missing.length > 0) {
    throw new TargetError(
      `${file}: no node is in group ${missing.map((g) => `"${g}"`).join(', ')} (groups: ${[...known].sort().join(', ') || 'none'})`,
      file,
    );
  }
  return nodes.filter((n) => n.groups.some((g) => groups.includes(g)));
}
