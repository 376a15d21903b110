import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import { controlSchema } from './schema.js';
import { satisfies } from './requirement.js';
import type { Control } from './types.js';

/** The plans/ folder shipped with the package (src/controls or dist/controls → ../../plans). */
export const BUNDLED_CONTROLS_DIR = fileURLToPath(new URL('../../plans/', import.meta.url));

export class ControlFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlFileError';
  }
}

/** Parses and validates one control file; errors name the file and line. Pure apart from nothing: text in. */
export function parseControl(file: string, text: string): Control {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (offset: number | undefined): string => {
    if (offset === undefined) return file;
    const { line } = lineCounter.linePos(offset);
    return `${file}:${line}`;
  };
  const firstError = doc.errors[0];
  if (firstError) throw new ControlFileError(`${at(firstError.pos[0])}: invalid YAML: ${firstError.message.split('\n')[0]}`);

  const data: unknown = doc.toJS();
  const result = controlSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.slice(0, 3).map((issue) => {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      // Point at the deepest node that exists, so a missing key points at its parent mapping.
      let offset: number | undefined;
      for (let n = path.length; n >= 0 && offset === undefined; n--) {
        const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
        offset = node?.range?.[0];
      }
      if (issue.code === 'unrecognized_keys') {
        const map = doc.getIn(path, true) as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | undefined;
        const pair = map?.items?.find((p) => p.key?.value === issue.keys[0]);
        offset = pair?.key?.range?.[0] ?? offset;
      }
      const missing = path.length > 0 && doc.getIn(path) === undefined && issue.code !== 'unrecognized_keys';
      const message = missing ? 'is required' : issue.message;
      return `${at(offset)}: invalid control${path.length ? ` (${path.join('.')})` : ''}: ${message}`;
    });
    throw new ControlFileError(problems.join('\n'));
  }
  const control = result.data;
  for (const s of control.settings) {
    if (!satisfies(s.require, s.fix)) {
      throw new ControlFileError(`${file}: setting ${s.setting}: its fix value ${String(s.fix)} does not satisfy its own requirement`);
    }
    if (s.allowed && !s.allowed.includes(s.fix)) {
      throw new ControlFileError(`${file}: setting ${s.setting}: fix value ${String(s.fix)} is not among the allowed values`);
    }
    const expected = s.type === 'integer' ? 'number' : s.type;
    for (const v of [s.fix, s.defaults.withConfig, s.defaults.withoutConfig]) {
      if (typeof v !== expected) throw new ControlFileError(`${file}: setting ${s.setting}: value ${JSON.stringify(v)} is not a ${s.type}`);
    }
  }
  return { ...control, file } as Control;
}

/** Reads every *.yaml / *.yml control in a folder, sorted by name; ids must be unique. */
export async function loadControls(dir: string = BUNDLED_CONTROLS_DIR): Promise<Control[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (err) {
    throw new ControlFileError(`cannot read the controls folder ${dir}: ${(err as Error).message}`);
  }
  if (names.length === 0) throw new ControlFileError(`no control files (*.yaml) in ${dir}`);
  const controls: Control[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    const control = parseControl(file, await readFile(file, 'utf8'));
    const other = seen.get(control.id);
    if (other) throw new ControlFileError(`${file}: control id ${control.id} is already defined in ${other}`);
    seen.set(control.id, file);
    controls.push(control);
  }
  return controls;
}
