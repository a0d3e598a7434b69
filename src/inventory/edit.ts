/**
 * Small edits to an inventory file that keep the person's formatting and key order: the file is
 * changed only where the value changes, never parsed and printed anew.
 */

import { isMap, isNode, parseDocument } from 'yaml';

interface Span { start: number; end: number }

/** Where the value at `path` (object keys) starts and ends in JSON text; null when absent. */
export function valueSpan(text: string, path: string[]): Span | null {
  let i = 0;
  const ws = () => { while (i < text.length && /\s/.test(text[i]!)) i++; };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  let found: Span | null = null;
  const value = (at: string[]): void => {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      while (text[i] !== '}') {
        ws();
        const key = str();
        ws();
        i++; // ':'
        value([...at, key]);
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (c === '[') {
      i++;
      ws();
      let index = 0;
      while (text[i] !== ']') {
        value([...at, String(index++)]);
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (c === '"') {
      str();
    } else {
      while (i < text.length && /[^\s,\]}]/.test(text[i]!)) i++;
    }
    if (at.length === path.length && at.every((k, n) => k === path[n])) found = { start, end: i };
  };
  JSON.parse(text); // refuse anything that is not JSON before scanning it
  value([]);
  return found;
}

function lineIndent(text: string, at: number): string {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** The inventory text with cluster.transferUsers set to `users`, the rest byte for byte as it was. */
export function setTransferUsers(text: string, users: string[]): string {
  const items = users.map((u) => JSON.stringify(u));
  const existing = valueSpan(text, ['cluster', 'transferUsers']);
  if (existing) {
    const old = text.slice(existing.start, existing.end);
    let rendered = `[${items.join(', ')}]`;
    if (old.includes('\n') && items.length > 0) {
      const firstItem = /\[\s*\n([ \t]*)/.exec(old);
      const inner = firstItem ? firstItem[1]! : `${lineIndent(text, existing.start)}  `;
      rendered = `[\n${items.map((item) => inner + item).join(',\n')}\n${lineIndent(text, existing.end - 1)}]`;
    }
    return text.slice(0, existing.start) + rendered + text.slice(existing.end);
  }
  const cluster = valueSpan(text, ['cluster']);
  if (!cluster) throw new Error('the inventory has no "cluster" object');
  let close = cluster.end - 1;
  let last = close - 1;
  while (last > cluster.start && /\s/.test(text[last]!)) last--;
  const empty = text[last] === '{';
  const multiline = text.slice(cluster.start, cluster.end).includes('\n');
  const indent = multiline ? `${lineIndent(text, close)}  ` : '';
  const property = `"transferUsers": [${items.join(', ')}]`;
  const insert = multiline ? `${empty ? '' : ','}\n${indent}${property}` : `${empty ? '' : ', '}${property}`;
  close = last + 1;
  return text.slice(0, close) + insert + text.slice(close);
}

/** Where a secret comes from, as the inventory says it: an environment variable or a file. */
export type SecretSource = { env: string } | { file: string };

/**
 * The inventory text with cluster.redisPassword referring to `source`, the rest byte for byte as it
 * was. Of an object of the same kind only the string changes; otherwise the whole value is replaced,
 * spaced as the old object was (`{ "env": ... }` or `{"env": ...}`).
 */
export function setRedisPasswordSource(text: string, source: SecretSource): string {
  const [kind, value] = 'env' in source ? ['env', source.env] : ['file', source.file];
  const inner = valueSpan(text, ['cluster', 'redisPassword', kind]);
  const whole = valueSpan(text, ['cluster', 'redisPassword']);
  if (!whole) throw new Error('the inventory has no "cluster"."redisPassword"');
  const old = text.slice(whole.start, whole.end);
  if (inner && /^\{\s*"(env|file)"\s*:\s*"(?:[^"\\]|\\.)*"\s*\}$/.test(old)) {
    return text.slice(0, inner.start) + JSON.stringify(value) + text.slice(inner.end);
  }
  const spaced = /^\{\s/.test(old);
  const rendered = spaced ? `{ ${JSON.stringify(kind)}: ${JSON.stringify(value)} }` : `{${JSON.stringify(kind)}: ${JSON.stringify(value)}}`;
  return text.slice(0, whole.start) + rendered + text.slice(whole.end);
}

/** The same edit in YAML text: the yaml package's document keeps comments, order and the rest's layout. */
export function setTransferUsersYaml(text: string, users: string[]): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`the inventory is not valid YAML: ${doc.errors[0]!.message}`);
  doc.setIn(['cluster', 'transferUsers'], doc.createNode(users, { flow: true }));
  return doc.toString();
}

/** setRedisPasswordSource for a YAML inventory: only cluster.redisPassword changes (comments and layout kept). */
export function setRedisPasswordSourceYaml(text: string, source: SecretSource): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`the inventory is not valid YAML: ${doc.errors[0]!.message}`);
  const current = (doc.toJS() as { cluster?: { redisPassword?: unknown } }).cluster?.redisPassword;
  if (JSON.stringify(current) === JSON.stringify(source)) return text;
  const [kind, value] = 'env' in source ? ['env', source.env] : ['file', source.file];
  const node = doc.getIn(['cluster', 'redisPassword'], true);
  if (isMap(node)) {
    // The same mapping keeps its style and its comment: only its key and value change.
    for (const key of ['env', 'file']) node.delete(key);
    node.set(kind, value);
  } else {
    const replacement = doc.createNode(source, { flow: true });
    if (isNode(node)) replacement.comment = node.comment;
    doc.setIn(['cluster', 'redisPassword'], replacement);
  }
  return doc.toString();
}
