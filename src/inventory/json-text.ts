/**
 * JSON text with positions: where each value and field name starts (line:column), so that a
 * problem found later can point into the file, and a syntax error that says line:column and the
 * likely cause (a trailing comma, a comment, single quotes) instead of a character offset.
 */

export interface Position { line: number; column: number }

export class JsonSyntaxError extends Error {
  constructor(message: string, readonly position: Position, readonly hint?: string) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

export interface Duplicate { path: PropertyKey[]; first: Position; again: Position }

export interface JsonDocument {
  value: unknown;
  /** Where the value at path starts, or its field name with `key` (for unknown fields). */
  locate(path: readonly PropertyKey[], key?: boolean): Position | undefined;
  duplicates: Duplicate[];
}

const pathKey = (path: readonly PropertyKey[]) => JSON.stringify(path.map(String));

/** Parses JSON text; throws JsonSyntaxError with line:column. JSON.parse stays the judge of validity. */
export function parseJsonText(text: string): JsonDocument {
  const lineStarts = [0];
  for (let k = 0; k < text.length; k++) if (text[k] === '\n') lineStarts.push(k + 1);
  const position = (offset: number): Position => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
  const values = new Map<string, number>();
  const keys = new Map<string, number>();
  const duplicates: Duplicate[] = [];
  let i = 0;
  const fail = (message: string, at = i, hint?: string): never => { throw new JsonSyntaxError(message, position(at), hint); };
  const describe = (at: number) => (at >= text.length ? 'the end of the file' : `'${text[at]}'`);

  const ws = () => {
    for (;;) {
      while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
      if (text[i] === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) fail('a comment: JSON has no comments', i, 'remove the comment (or move the note into a field the tool ignores, such as "$schema")');
      return;
    }
  };

  const string = (): string => {
    const start = i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\n') fail('a string runs past the end of the line', start, 'a closing " is missing');
      i += text[i] === '\\' ? 2 : 1;
    }
    if (i >= text.length) fail('a string is never closed', start, 'a closing " is missing');
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('a string holds an invalid escape or control character', start, 'write a backslash as \\\\ (Windows paths: C:\\\\keys\\\\id or C:/keys/id)');
    }
  };

  const value = (path: PropertyKey[]): unknown => {
    ws();
    values.set(pathKey(path), i);
    const c = text[i];
    if (c === '{') return object(path);
    if (c === '[') return array(path);
    if (c === '"') return string();
    if (c === "'") fail("a string in single quotes: JSON needs double quotes", i, `write "..." instead of '...'`);
    const number = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    number.lastIndex = i;
    const m = number.exec(text);
    if (m && m[0] !== '-') {
      i += m[0].length;
      return Number(m[0]);
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) { i += word.length; return v; }
    }
    if (c !== undefined && /[A-Za-z_]/.test(c)) fail('text without quotes', i, 'JSON strings need double quotes; true, false and null are the only bare words');
    return fail(`expected a value, found ${describe(i)}`);
  };

  const object = (path: PropertyKey[]): Record<string, unknown> => {
    const open = i++;
    const out: Record<string, unknown> = {};
    const seen = new Map<string, number>();
    let comma = -1;
    ws();
    if (text[i] === '}') { i++; return out; }
    for (;;) {
      ws();
      if (text[i] === '}') fail("a trailing comma before '}'", comma, 'JSON allows no comma after the last field: remove it');
      if (text[i] === "'") fail("a field name in single quotes: JSON needs double quotes", i, `write "name": instead of 'name':`);
      if (text[i] !== '"') {
        if (i >= text.length) fail(`the object opened at ${pos(open)} is never closed`, i, "a '}' is missing");
        fail(`expected a field name in double quotes, found ${describe(i)}`, i, /[A-Za-z_$]/.test(text[i] ?? '') ? 'JSON field names need double quotes: "name": value' : undefined);
      }
      const keyAt = i;
      const key = string();
      const keyPath = [...path, key];
      const before = seen.get(key);
      if (before !== undefined) duplicates.push({ path: keyPath, first: position(before), again: position(keyAt) });
      seen.set(key, keyAt);
      keys.set(pathKey(keyPath), keyAt);
      ws();
      if (text[i] === '=') fail(`expected ':' after "${key}", found '='`, i, 'JSON writes "name": value');
      if (text[i] !== ':') fail(`expected ':' after "${key}", found ${describe(i)}`);
      i++;
      Object.defineProperty(out, key, { value: value(keyPath), enumerable: true, writable: true, configurable: true });
      ws();
      if (text[i] === ',') { comma = i++; continue; }
      if (text[i] === '}') { i++; return out; }
      if (i >= text.length) fail(`the object opened at ${pos(open)} is never closed`, i, "a '}' is missing");
      fail(`expected ',' or '}' after the value of "${key}", found ${describe(i)}`, i, text[i] === '"' ? 'a comma is missing between two fields' : undefined);
    }
  };

  const array = (path: PropertyKey[]): unknown[] => {
    const open = i++;
    const out: unknown[] = [];
    let comma = -1;
    ws();
    if (text[i] === ']') { i++; return out; }
    for (;;) {
      ws();
      if (text[i] === ']') fail("a trailing comma before ']'", comma, 'JSON allows no comma after the last element: remove it');
      out.push(value([...path, out.length]));
      ws();
      if (text[i] === ',') { comma = i++; continue; }
      if (text[i] === ']') { i++; return out; }
      if (i >= text.length) fail(`the list opened at ${pos(open)} is never closed`, i, "a ']' is missing");
      fail(`expected ',' or ']' in the list, found ${describe(i)}`, i, text[i] === '{' || text[i] === '"' ? 'a comma is missing between two elements' : undefined);
    }
  };

  const pos = (offset: number) => { const p = position(offset); return `${p.line}:${p.column}`; };

  let parsed: unknown;
  let syntax: JsonSyntaxError | undefined;
  try {
    parsed = value([]);
    ws();
    if (i < text.length) fail('more text after the end of the JSON value', i, 'the file must hold one object: { ... }');
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    syntax = e;
  }
  try {
    const judged = JSON.parse(text) as unknown;
    // Our scanner only adds positions; should it ever disagree with JSON.parse, JSON.parse wins.
    if (syntax) return { value: judged, locate: () => undefined, duplicates: [] };
    parsed = judged;
  } catch (e) {
    throw syntax ?? new JsonSyntaxError((e as Error).message, { line: 1, column: 1 });
  }
  return {
    value: parsed,
    locate: (path, key = false) => {
      const at = (key ? keys : values).get(pathKey(path));
      return at === undefined ? undefined : position(at);
    },
    duplicates,
  };
}
