import type { NodeRecap, RunResult } from '../runner/result.js';
import { redact } from '../util/secret.js';

const indent = (text: string, pad: string) => text.replace(/\n$/, '').split('\n').map((l) => pad + l).join('\n');

/** `plan`: per node, every change with its diff and the commands it would run. */
export function renderPlan(result: RunResult): string {
  const out: string[] = [];
  if (result.membership) {
    out.push(`== membership: ${result.membership.length} change(s), in this order`);
    result.membership.forEach((line, i) => out.push(`  ${i + 1}. ${line}`));
  }
  for (const node of result.nodes) {
    const role = node.name === result.primary ? 'primary' : 'replica';
    out.push(`== ${node.name} (${role}): ${node.changes.length === 0 ? 'ok, nothing to change' : `${node.changes.length} change(s)`}`);
    for (const change of node.changes) {
      out.push(`  ~ [${change.step}] ${change.summary}`);
      if (change.diff) out.push(indent(change.diff, '      '));
      for (const command of change.commands ?? []) out.push(`      $ ${command}`);
    }
  }
  return redact(`${out.join('\n')}\n`);
}

function statusText(node: NodeRecap): string {
  return node.status.toUpperCase().replace('-', ' ');
}

/** Ansible's PLAY RECAP, then what went wrong where. */
export function renderRecap(result: RunResult): string {
  const width = Math.max(...result.nodes.map((n) => n.name.length), 4);
  const lines = ['', `RECAP ${result.command} (run ${result.run}, ${(result.durationMs / 1000).toFixed(1)} s)`];
  for (const node of result.nodes) {
    lines.push(`${node.name.padEnd(width)} : ok=${node.ok} changed=${node.changed} failed=${node.failed}  ${statusText(node)}`);
  }
  for (const node of result.nodes) if (node.error) lines.push(`${node.name}: ${node.error}`);
  for (const error of result.errors) if (!result.nodes.some((n) => n.error && error.startsWith(`${n.name}: `))) lines.push(error);
  for (const warning of result.warnings) lines.push(`warning: ${warning}`);
  if (result.journal) lines.push(`journal: ${result.journal}`);
  return redact(`${lines.join('\n')}\n`);
}

/** The one JSON document --json prints: `JSON.stringify(result, null, 2)` and a newline, secrets redacted. */
export function renderJson(result: unknown): string {
  return [...jsonChunks(result)].join('');
}

const CHUNK_CHARS = 64 * 1024;

/**
 * renderJson's text in pieces, so that a large result (up on hundreds of nodes: every change's
 * diff) is written as it is rendered instead of held whole, then copied for redaction and again
 * for the write. Joined, the pieces are exactly renderJson's text: the top object and the arrays
 * and objects in it are laid out here as JSON.stringify lays them out, deeper values by
 * JSON.stringify itself. Each piece but the last ends with a line break, which in JSON text is
 * only ever layout (a string's line break is escaped), so redacting piece by piece finds every
 * secret that redacting the whole would.
 */
export function* jsonChunks(value: unknown): Generator<string> {
  let buffered = '';
  for (const piece of layout(jsonValue(value, ''), '', 2)) {
    buffered += piece;
    if (buffered.length < CHUNK_CHARS) continue;
    const cut = buffered.lastIndexOf('\n') + 1;
    if (cut === 0) continue;
    yield redact(buffered.slice(0, cut));
    buffered = buffered.slice(cut);
  }
  yield redact(`${buffered}\n`);
}

/** What JSON.stringify does to a value before laying it out: toJSON, and values it leaves out (undefined). */
function jsonValue(value: unknown, key: string): unknown {
  const v = value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function'
    ? (value as { toJSON(k: string): unknown }).toJSON(key)
    : value;
  return v === undefined || typeof v === 'function' || typeof v === 'symbol' ? undefined : v;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(v) as object | null);

/** JSON.stringify(value, null, 2) at indentation `pad`, as pieces: arrays and plain objects `depth` levels down. */
function* layout(value: unknown, pad: string, depth: number): Generator<string> {
  if (depth === 0 || !(Array.isArray(value) || isPlainObject(value))) {
    // Only the top value can be left out (undefined): JSON.stringify gives undefined, printed as such.
    yield String(JSON.stringify(value, null, 2)).replaceAll('\n', `\n${pad}`);
    return;
  }
  const inner = `${pad}  `;
  const entries: [string | null, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [null, jsonValue(v, String(i)) ?? null])
    : Object.keys(value).map((k) => [k, jsonValue(value[k], k)] as [string, unknown]).filter(([, v]) => v !== undefined);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) {
    yield open + close;
    return;
  }
  yield open;
  for (const [i, [key, v]] of entries.entries()) {
    yield `${i === 0 ? '' : ','}\n${inner}${key === null ? '' : `${JSON.stringify(key)}: `}`;
    yield* layout(v, inner, depth - 1);
  }
  yield `\n${pad}${close}`;
}
