/**
 * A strict JSON scanner that says where things are: the offset of the first syntax error (V8's
 * JSON.parse messages often omit it) and the offset of every object key (for "file:line" of a
 * setting). It validates exactly what JSON.parse accepts (RFC 8259).
 */

export interface JsonScan {
  error?: { offset: number; message: string };
  /** JSON.stringify(path) → offset of the key (of the last duplicate, which JSON.parse keeps). */
  keys: Map<string, number>;
}

export function scanJson(text: string): JsonScan {
  const keys = new Map<string, number>();
  let i = 0;

  class Stop extends Error {
    constructor(readonly offset: number, message: string) {
      super(message);
    }
  }
  const fail = (message: string, at = i): never => {
    throw new Stop(at, message);
  };
  const describe = (at: number): string => (at >= text.length ? 'end of input' : `token ${JSON.stringify(text[at])}`);
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const expect = (c: string, what: string): void => {
    if (text[i] !== c) fail(`Unexpected ${describe(i)}, expected ${what}`);
    i++;
  };

  const str = (): string => {
    const start = i;
    expect('"', 'a string');
    let out = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) fail('Unterminated string', start);
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else fail('Bad escape in string', i);
        continue;
      }
      if ((c as string).charCodeAt(0) < 0x20) fail('Bad control character in string', i);
      out += c;
      i++;
    }
  };

  const value = (path: (string | number)[]): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`Unexpected ${describe(i)}, expected a property name in double quotes`);
        const keyAt = i;
        const key = str();
        keys.set(JSON.stringify([...path, key]), keyAt);
        ws();
        expect(':', "':' after a property name");
        value([...path, key]);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        expect('}', "',' or '}' after a property value");
        return;
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        value([...path, n]);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        expect(']', "',' or ']' after an array element");
        return;
      }
    }
    if (c === '"') {
      str();
      return;
    }
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (m && m[0] !== '' && m[0] !== '-') {
      i += m[0].length;
      return;
    }
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
    }
    fail(`Unexpected ${describe(i)}, expected a value`);
  };

  try {
    value([]);
    ws();
    if (i < text.length) fail(`Unexpected ${describe(i)} after the end of the JSON value`);
    return { keys };
  } catch (e) {
    if (e instanceof Stop) return { error: { offset: e.offset, message: e.message }, keys };
    throw e;
  }
}

/** 1-based line and column of an offset. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === '\n') {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
