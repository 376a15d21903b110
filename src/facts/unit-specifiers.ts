/**
 * Unit specifiers (`%n`, `%%` ...) that systemd expands in ExecStart= words, Environment= words and
 * EnvironmentFile= paths at load time (specifier.c specifier_printf()). Only the ones that depend
 * on the unit name alone can be predicted here; the rest depend on the host and are reported.
 */

export interface SpecifierResult {
  value: string;
  /** Set when systemd would reject the text (unknown specifier letter). */
  error?: string;
  /** Host-dependent specifiers left unexpanded. */
  unresolved: string[];
}

// Specifiers systemd knows (unit.c unit_full_printf table) whose value depends on the host or the
// manager, not on the unit name: left as written, reported.
const HOST_SPECIFIERS = new Set('aAbBCdEfgGhHlLmMoqsStTuUvVwWyY'.split(''));

export function expandSpecifiers(text: string, unitName: string): SpecifierResult {
  const dot = unitName.lastIndexOf('.');
  const name = dot > 0 ? unitName.slice(0, dot) : unitName;
  const at = name.indexOf('@');
  const prefix = at >= 0 ? name.slice(0, at) : name;
  const instance = at >= 0 ? name.slice(at + 1) : '';
  const known: Record<string, string> = {
    n: unitName,
    N: name,
    p: prefix,
    P: prefix,
    i: instance,
    I: instance,
    j: prefix.slice(prefix.lastIndexOf('-') + 1),
    J: prefix.slice(prefix.lastIndexOf('-') + 1),
  };
  let out = '';
  const unresolved: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== '%') {
      out += c;
      continue;
    }
    const s = text[i + 1];
    if (s === undefined) {
      out += '%'; // a stray trailing % is kept
      break;
    }
    i++;
    if (s === '%') out += '%';
    else if (known[s] !== undefined) out += known[s];
    else if (HOST_SPECIFIERS.has(s)) {
      unresolved.push(`%${s}`);
      out += `%${s}`;
    } else if (/[A-Za-z0-9]/.test(s)) {
      return { value: text, error: `unknown specifier "%${s}"`, unresolved };
    } else out += `%${s}`; // "%," and the like are not specifiers: kept as written
  }
  return { value: out, unresolved };
}
