import { describe, expect, it } from 'vitest';
import { BoundedOutput, MAX_NODE_OUTPUT_BYTES, outputTooLarge } from '../../src/ssh/bounded-output.js';

describe('a node\'s output, bounded', () => {
  it.each([
    ['under the limit', [3, 4], 10, true, 7],
    ['exactly at the limit', [5, 5], 10, true, 10],
    ['one byte past it', [5, 6], 10, false, 5],
    ['past it, then more', [11, 1, 1], 10, false, 0],
  ])('%s: kept while within, nothing kept after', (_name, sizes, limit, within, kept) => {
    const output = new BoundedOutput(limit);
    const answers = sizes.map((n) => output.push(Buffer.alloc(n, 1)));
    expect(answers.every(Boolean)).toBe(within);
    expect(output.exceeded).toBe(!within);
    expect(output.bytes().length).toBe(kept);
  });

  it('is 64 MiB unless told, and the error names the node and the limit', () => {
    expect(new BoundedOutput().limit).toBe(MAX_NODE_OUTPUT_BYTES);
    expect(MAX_NODE_OUTPUT_BYTES).toBe(64 * 1024 * 1024);
    expect(outputTooLarge('node2', MAX_NODE_OUTPUT_BYTES)).toMatch(/^node2: a remote command sent more than 64 MiB of output; it was stopped/);
  });
});
