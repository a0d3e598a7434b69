import { describe, expect, it } from 'vitest';
import { setDiff, type RecapChange } from '../../src/runner/result.js';

const long = (n: number) => Array.from({ length: n }, (_, i) => `+-A HSTS-CLUSTER -s 198.18.${i >> 8}.${i & 255}/32 -j ACCEPT ✓`).join('\n');

describe('setDiff: a recap change\'s diff, held deflated when long', () => {
  it.each([
    ['short: kept as it is', 'x'.repeat(1023)],
    ['long ASCII', long(500).replace(/ ✓/g, '')],
    ['long with non-ASCII text', long(500)],
    ['empty', ''],
  ])('%s', (_, diff) => {
    const change: RecapChange = { step: 'firewall', summary: 's', commands: ['c'] };
    setDiff(change, diff);
    expect(change.diff).toBe(diff);
    expect(Object.keys(change)).toEqual(['step', 'summary', 'commands', 'diff']);
    expect(JSON.stringify(change)).toBe(JSON.stringify({ step: 'firewall', summary: 's', commands: ['c'], diff }));
    expect(change).toEqual({ step: 'firewall', summary: 's', commands: ['c'], diff });
  });
});
