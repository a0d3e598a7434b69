import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/runner/result.js';
import { jsonChunks, renderJson } from '../../src/ui/render.js';
import { markSecret, Secret } from '../../src/util/secret.js';

/** A run result shaped like up's at hundreds of nodes: every node's changes carry a long diff. */
function bigResult(nodes: number): RunResult {
  return {
    run: '20261128T000000Z-abcd', command: 'up', exitCode: 0, primary: 'node1',
    nodes: Array.from({ length: nodes }, (_, i) => ({
      name: `node${i + 1}`, status: 'changed', ok: 3, changed: 8, failed: 0, error: undefined,
      changes: [
        { step: 'firewall', summary: 'rules "allow" \\ list', diff: Array.from({ length: nodes }, (_, k) => `+-A HSTS -s 198.18.0.${k} -j ACCEPT\t"q"`).join('\n'), commands: ['iptables-restore'] },
        { step: 'units', summary: 'ünits ✓', commands: [] },
      ],
    })),
    totals: { ok: 3 * nodes, changed: 8 * nodes, failed: 0 },
    warnings: [], errors: [], journal: undefined, durationMs: 12.5,
  };
}

describe('--json in pieces: the same text as JSON.stringify(value, null, 2), written as it is rendered', () => {
  it.each([
    ['a scalar', 42],
    ['a string', 'a\nb'],
    ['null', null],
    ['undefined (printed as JSON.stringify gives it)', undefined],
    ['empty object and array', { a: {}, b: [], c: [[]], d: [{}] }],
    ['undefined, functions and symbols left out of objects, null in arrays', { a: undefined, b: () => 1, c: Symbol('s'), d: [undefined, () => 1, Symbol('s'), 1], e: 'x' }],
    ['toJSON at every depth', { when: new Date(0), nested: { toJSON: (k: string) => ({ key: k }) }, list: [{ toJSON: () => undefined }], secret: new Secret('p4ssw0rd-render-json') }],
    ['a Map and a class instance (JSON.stringify lays them out)', { map: new Map([['a', 1]]), set: new Set([1]), obj: Object.assign(Object.create(null) as object, { a: [1, { b: 2 }] }) }],
    ['keys that need quoting', { 'a"b': 1, 'line\nbreak': { 'ü': [1, 2] } }],
    ['deep nesting', { a: [{ b: [{ c: [{ d: [1, [2, [3]]] }] }] }] }],
    ['a big run result', bigResult(300)],
  ])('%s', (_, value) => {
    const chunks = [...jsonChunks(value)];
    expect(chunks.join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
    expect(renderJson(value)).toBe(chunks.join(''));
  });

  it('cuts a big result into pieces, each ending at a line break', () => {
    const value = bigResult(300);
    const chunks = [...jsonChunks(value)];
    expect(chunks.length).toBeGreaterThan(10);
    for (const c of chunks) expect(c.endsWith('\n')).toBe(true);
    expect(JSON.parse(chunks.join(''))).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it('redacts a secret known at run time in every piece', () => {
    markSecret('known-secret-in-diffs-0452');
    const value = bigResult(200);
    value.nodes.forEach((n) => { n.changes[0]!.diff += '\n+requirepass known-secret-in-diffs-0452'; });
    const text = [...jsonChunks(value)].join('');
    expect(text).not.toContain('0452');
    expect(text.split('requirepass ***').length - 1).toBe(200);
  });
});
