/**
 * A small JSON reader that remembers where each value starts, so a lesson file's schema error can say
 * the line: "lessons/pooling.json:42: steps[1].goal[0].op: ...". Strict JSON (RFC 8259); a syntax error
 * gives its line and column. Stricter than JSON.parse where a lesson file is surely wrong: a key twice
 * in one object (JSON.parse keeps the last one silently), values nested deeper than MAX_DEPTH (a lesson
 * nests a few levels; thousands would overflow the reader's stack, and each value's path is kept).
 */

/** The deepest nesting of objects and arrays a file may have. */
export const MAX_DEPTH = 64;

export interface Located {
  value: unknown;
  /** Line (1-based) where the value at a path starts; paths as `steps[1].goal[0]`. */
  lines: Map<string, number>;
}

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

export function pathKey(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** The line of the deepest located value on `path` (a missing key: its object's line). */
export function lineOf(located: Located, path: readonly PropertyKey[]): number {
  for (let n = path.length; n >= 0; n--) {
    const line = located.lines.get(pathKey(path.slice(0, n)));
    if (line !== undefined) return line;
  }
  return 1;
}

export function parseLocated(text: string): Located {
  const lines = new Map<string, number>();
  let i = 0;
  let line = 1;
  let lineStart = 0;

  const fail = (message: string): never => {
    throw new JsonSyntaxError(message, line, i - lineStart + 1);
  };
  const ws = () => {
    while (i < text.length) {
      const c = text[i];
      if (c === '\n') {
        line++;
        lineStart = i + 1;
      } else if (c !== ' ' && c !== '\t' && c !== '\r') break;
      i++;
    }
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text[i] === '\n' || text.charCodeAt(i) < 0x20) fail('unescaped control character in a string');
      i++;
    }
    if (i >= text.length) fail('unterminated string');
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('invalid escape in a string');
    }
  };
  const value = (path: PropertyKey[]): unknown => {
    ws();
    lines.set(pathKey(path), line);
    const c = text[i];
    if ((c === '{' || c === '[') && path.length >= MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a "key" in double quotes');
        const [keyLine, keyColumn] = [line, i - lineStart + 1];
        const key = str();
        if (Object.hasOwn(obj, key)) throw new JsonSyntaxError(`the key "${key}" appears twice in this object`, keyLine, keyColumn);
        ws();
        if (text[i] !== ':') fail(`expected ':' after "${key}"`);
        i++;
        // An own property even for "__proto__", as JSON.parse makes it (an assignment would set the prototype).
        Object.defineProperty(obj, key, { value: value([...path, key]), enumerable: true, writable: true, configurable: true });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value([...path, arr.length]));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) return fail(i >= text.length ? 'unexpected end of the file' : `unexpected character '${c}'`);
    i += m[0].length;
    return JSON.parse(m[0]);
  };

  const v = value([]);
  ws();
  if (i < text.length) fail('unexpected text after the end of the value');
  return { value: v, lines };
}
