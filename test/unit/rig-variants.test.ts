/**
 * The rig's host variants (test/rig/variants.ts): what `npm run rig -- up --variant` and
 * `startRig({ variants })` accept, and the transfer users the rig's one inventory may list.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VARIANTS, parseVariants, rigTransferUsers, variantsPerNode } from '../rig/variants.js';

describe('parseVariants', () => {
  it.each([
    ['', []],
    ['no-xfer', ['no-xfer']],
    ['keystore-dot-aspera,nodeapi-port', ['keystore-dot-aspera', 'nodeapi-port']],
    [' redis-6.0 , redis-dir-root ', ['redis-6.0', 'redis-dir-root']],
    ['no-xfer,no-xfer', ['no-xfer']],
  ])('%j gives %j', (value, want) => {
    expect(parseVariants(value)).toEqual(want);
  });

  it.each([
    ['no-xfr', /^no-xfr: not a variant \(one of redis-binary-asperaredisd, /],
    ['keystore-dot-aspera,redis', /^redis: not a variant/],
    ['no-xfer,home-outside-home', /^no-xfer and home-outside-home cannot be on the same node$/],
    ['redis-6.0,redis-binary-asperaredisd', /^redis-binary-asperaredisd and redis-6.0 cannot be on the same node$/],
  ])('%j is refused', (value, message) => {
    expect(() => parseVariants(value)).toThrow(message);
  });
});

describe('variantsPerNode', () => {
  it('gives one list to every node, or one per node', () => {
    expect(variantsPerNode([['no-xfer']], 3)).toEqual([['no-xfer'], ['no-xfer'], ['no-xfer']]);
    expect(variantsPerNode([['no-xfer'], [], ['redis-6.0']], 3)).toEqual([['no-xfer'], [], ['redis-6.0']]);
  });

  it('refuses a count that is neither one nor the number of nodes', () => {
    expect(() => variantsPerNode([['no-xfer'], []], 3)).toThrow('--variant given 2 times for 3 nodes (once for all, or once per node)');
  });
});

describe('rigTransferUsers', () => {
  it('lists xfer only when every node has it', () => {
    expect(rigTransferUsers([[], ['home-outside-home'], []])).toEqual(['xfer']);
    expect(rigTransferUsers([[], ['no-xfer'], []])).toEqual([]);
  });
});

describe('the image applies every variant the rig offers', () => {
  it('hsts-rig-variant has a case for each name', () => {
    const script = readFileSync(new URL('../../docker/node/rootfs/usr/local/sbin/hsts-rig-variant', import.meta.url), 'utf8');
    for (const variant of VARIANTS) expect(script, variant).toMatch(new RegExp(`^\\s+(\\S+\\|)?${variant.replace('.', '\\.')}(\\|\\S+)?\\)`, 'm'));
  });
});
