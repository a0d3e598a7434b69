/**
 * YAML text as the same JsonDocument the JSON reader gives: the value, where each value and field
 * name starts (line:column) and repeated keys, so that every later problem points into the file.
 * The `yaml` package parses (YAML 1.2 core schema: `yes` stays a string, as in JSON).
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { Duplicate, JsonDocument, Position } from './json-text.js';

export class YamlSyntaxError extends Error {
  constructor(message: string, readonly position: Position | undefined, readonly hint?: string) {
    super(message);
    this.name = 'YamlSyntaxError';
  }
}

const pathKey = (path: readonly PropertyKey[]) => JSON.stringify(path.map(String));

const HINTS: Record<string, string> = {
  BAD_INDENT: 'indent with spaces, the same number for fields at the same level',
  TAB_AS_INDENT: 'YAML indents with spaces, never tabs',
  MISSING_CHAR: 'a closing quote or bracket is missing',
  MULTILINE_IMPLICIT_KEY: 'a "name: value" line may be missing its colon, or a value needs quotes',
  BLOCK_AS_IMPLICIT_KEY: 'a "name: value" line may be missing its colon',
};

export function parseYamlText(text: string): JsonDocument {
  const lines = new LineCounter();
  // uniqueKeys off: a repeated key is reported with both places, as for JSON, not as a parse error.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const at = lines.linePos(first.pos[0]);
    throw new YamlSyntaxError(first.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, ''), { line: at.line, column: at.col }, HINTS[first.code]);
  }
  const position = (offset: number): Position => {
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const values = new Map<string, number>();
  const keys = new Map<string, number>();
  const duplicates: Duplicate[] = [];
  const walk = (node: unknown, path: PropertyKey[]): void => {
    const range = (node as Node | null)?.range;
    if (range) values.set(pathKey(path), range[0]);
    if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const item of node.items) {
        if (!isPair(item)) continue;
        const keyNode = item.key as Node | null;
        const name = String(isScalar(keyNode) ? keyNode.value : keyNode);
        const keyAt = keyNode?.range?.[0] ?? 0;
        const before = seen.get(name);
        if (before !== undefined) duplicates.push({ path: [...path, name], first: position(before), again: position(keyAt) });
        seen.set(name, keyAt);
        keys.set(pathKey([...path, name]), keyAt);
        walk(item.value, [...path, name]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    }
  };
  walk(doc.contents, []);
  return {
    // Like JSON.parse, the last of a repeated key wins; the duplicate is reported all the same.
    value: doc.toJS({ maxAliasCount: 100 }) as unknown,
    locate: (path, key = false) => {
      const at = (key ? keys : values).get(pathKey(path));
      return at === undefined ? undefined : position(at);
    },
    duplicates,
  };
}
