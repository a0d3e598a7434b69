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
  /** A field's name as the user wrote it, when the document was converted (an Ansible variable). */
  describeField?(field: string): string;
}

const pathKey = (path: readonly PropertyKey[]) => JSON.stringify(path.map(String));

/** Line starts of a text, to turn an offset into line:column. */
function positions(text: string): (offset: number) => Position {
  const lineStarts = [0];
  for (let k = 0; k < text.length; k++) if (text[k] === '\n') lineStarts.push(k + 1);
  return (offset) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
}

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

/** A recursive-descent scan that records where each value and field name starts. */
class Scanner {
  i = 0;
  readonly values = new Map<string, number>();
  readonly keys = new Map<string, number>();
  readonly duplicates: Duplicate[] = [];

  constructor(readonly text: string, readonly position: (offset: number) => Position) {}

  fail(message: string, at = this.i, hint?: string): never {
    throw new JsonSyntaxError(message, this.position(at), hint);
  }

  describe(at: number): string {
    return at >= this.text.length ? 'the end of the file' : `'${this.text[at]}'`;
  }

  pos(offset: number): string {
    const p = this.position(offset);
    return `${p.line}:${p.column}`;
  }

  ws(): void {
    const { text } = this;
    while (this.i < text.length && ' \t\n\r'.includes(text[this.i]!)) this.i++;
    if (text[this.i] === '/' && (text[this.i + 1] === '/' || text[this.i + 1] === '*')) {
      this.fail('a comment: JSON has no comments', this.i, 'remove the comment (or move the note into a field the tool ignores, such as "$schema")');
    }
  }

  string(): string {
    const { text } = this;
    const start = this.i++;
    while (this.i < text.length && text[this.i] !== '"') {
      if (text[this.i] === '\n') this.fail('a string runs past the end of the line', start, 'a closing " is missing');
      this.i += text[this.i] === '\\' ? 2 : 1;
    }
    if (this.i >= text.length) this.fail('a string is never closed', start, 'a closing " is missing');
    this.i++;
    try {
      return JSON.parse(text.slice(start, this.i)) as string;
    } catch {
      return this.fail('a string holds an invalid escape or control character', start, 'write a backslash as \\\\ (Windows paths: C:\\\\keys\\\\id or C:/keys/id)');
    }
  }

  value(path: PropertyKey[]): unknown {
    this.ws();
    this.values.set(pathKey(path), this.i);
    const c = this.text[this.i];
    if (c === '{') return this.object(path);
    if (c === '[') return this.array(path);
    if (c === '"') return this.string();
    if (c === "'") this.fail("a string in single quotes: JSON needs double quotes", this.i, `write "..." instead of '...'`);
    return this.bare(c);
  }

  /** A number, true, false or null. */
  bare(c: string | undefined): unknown {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.text);
    if (m && m[0] !== '-') {
      this.i += m[0].length;
      return Number(m[0]);
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.i)) { this.i += word.length; return v; }
    }
    if (c !== undefined && /[A-Za-z_]/.test(c)) this.fail('text without quotes', this.i, 'JSON strings need double quotes; true, false and null are the only bare words');
    return this.fail(`expected a value, found ${this.describe(this.i)}`);
  }

  object(path: PropertyKey[]): Record<string, unknown> {
    const open = this.i++;
    const out: Record<string, unknown> = {};
    const seen = new Map<string, number>();
    let comma = -1;
    this.ws();
    if (this.text[this.i] === '}') { this.i++; return out; }
    for (;;) {
      this.ws();
      if (this.text[this.i] === '}') this.fail("a trailing comma before '}'", comma, 'JSON allows no comma after the last field: remove it');
      const key = this.field(path, open, seen, out);
      this.ws();
      if (this.text[this.i] === ',') { comma = this.i++; continue; }
      if (this.text[this.i] === '}') { this.i++; return out; }
      if (this.i >= this.text.length) this.fail(`the object opened at ${this.pos(open)} is never closed`, this.i, "a '}' is missing");
      this.fail(`expected ',' or '}' after the value of "${key}", found ${this.describe(this.i)}`, this.i, this.text[this.i] === '"' ? 'a comma is missing between two fields' : undefined);
    }
  }

  /** One "name": value of the object opened at `open`, stored in `out`; returns the name. */
  field(path: PropertyKey[], open: number, seen: Map<string, number>, out: Record<string, unknown>): string {
    const { text } = this;
    if (text[this.i] === "'") this.fail("a field name in single quotes: JSON needs double quotes", this.i, `write "name": instead of 'name':`);
    if (text[this.i] !== '"') {
      if (this.i >= text.length) this.fail(`the object opened at ${this.pos(open)} is never closed`, this.i, "a '}' is missing");
      this.fail(`expected a field name in double quotes, found ${this.describe(this.i)}`, this.i, /[A-Za-z_$]/.test(text[this.i] ?? '') ? 'JSON field names need double quotes: "name": value' : undefined);
    }
    const keyAt = this.i;
    const key = this.string();
    const keyPath = [...path, key];
    const before = seen.get(key);
    if (before !== undefined) this.duplicates.push({ path: keyPath, first: this.position(before), again: this.position(keyAt) });
    seen.set(key, keyAt);
    this.keys.set(pathKey(keyPath), keyAt);
    this.ws();
    if (text[this.i] === '=') this.fail(`expected ':' after "${key}", found '='`, this.i, 'JSON writes "name": value');
    if (text[this.i] !== ':') this.fail(`expected ':' after "${key}", found ${this.describe(this.i)}`);
    this.i++;
    Object.defineProperty(out, key, { value: this.value(keyPath), enumerable: true, writable: true, configurable: true });
    return key;
  }

  array(path: PropertyKey[]): unknown[] {
    const open = this.i++;
    const out: unknown[] = [];
    let comma = -1;
    this.ws();
    if (this.text[this.i] === ']') { this.i++; return out; }
    for (;;) {
      this.ws();
      if (this.text[this.i] === ']') this.fail("a trailing comma before ']'", comma, 'JSON allows no comma after the last element: remove it');
      out.push(this.value([...path, out.length]));
      this.ws();
      if (this.text[this.i] === ',') { comma = this.i++; continue; }
      if (this.text[this.i] === ']') { this.i++; return out; }
      if (this.i >= this.text.length) this.fail(`the list opened at ${this.pos(open)} is never closed`, this.i, "a ']' is missing");
      this.fail(`expected ',' or ']' in the list, found ${this.describe(this.i)}`, this.i, this.text[this.i] === '{' || this.text[this.i] === '"' ? 'a comma is missing between two elements' : undefined);
    }
  }

  /** The whole text as one value; a JsonSyntaxError is returned, not thrown, for JSON.parse to confirm. */
  document(): { value?: unknown; syntax?: JsonSyntaxError } {
    try {
      const value = this.value([]);
      this.ws();
      if (this.i < this.text.length) this.fail('more text after the end of the JSON value', this.i, 'the file must hold one object: { ... }');
      return { value };
    } catch (e) {
      if (!(e instanceof JsonSyntaxError)) throw e;
      return { syntax: e };
    }
  }
}

/** Parses JSON text; throws JsonSyntaxError with line:column. JSON.parse stays the judge of validity. */
export function parseJsonText(text: string): JsonDocument {
  const position = positions(text);
  const scanner = new Scanner(text, position);
  const { syntax } = scanner.document();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (e) {
    throw syntax ?? new JsonSyntaxError((e as Error).message, { line: 1, column: 1 });
  }
  // Our scanner only adds positions; should it ever disagree with JSON.parse, JSON.parse wins.
  if (syntax) return { value: parsed, locate: () => undefined, duplicates: [] };
  return {
    value: parsed,
    locate: (path, key = false) => {
      const at = (key ? scanner.keys : scanner.values).get(pathKey(path));
      return at === undefined ? undefined : position(at);
    },
    duplicates: scanner.duplicates,
  };
}
