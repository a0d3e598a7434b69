import { describe, expect, it } from 'vitest';
import { heldCommand } from '../../src/runner/held-command.js';
import { renderBatch, type RemoteCommand } from '../../src/ssh/remote-script.js';
import { packedBytes, packedText, PACK_FROM } from '../../src/util/packed.js';
import { Secret } from '../../src/util/secret.js';

// What a plan holds until its step runs must read exactly as it was built: the batch is the same.
describe('a command held packed', () => {
  const long = Array.from({ length: 400 }, (_, i) => `sentinel known-replica myprimary 198.18.${i >> 8}.${i & 255} 41415`).join('\n');
  const command: RemoteCommand = {
    label: 'write sentinel_41415.conf',
    code: `${'# a long code\n'.repeat(200)}cat "$IN/content" "$IN/rules" "$IN/pw"`,
    inputs: { content: Buffer.from(long), rules: long, pw: new Secret('s3cret'), small: Buffer.from('x') },
  };

  it('reads as built: code, each input, a Secret as itself', () => {
    const held = heldCommand(command);
    expect(held.label).toBe(command.label);
    expect(held.code).toBe(command.code);
    expect(Buffer.isBuffer(held.inputs!.content) && held.inputs!.content.equals(Buffer.from(long))).toBe(true);
    expect(held.inputs!.rules).toBe(long);
    expect(held.inputs!.pw).toBe(command.inputs!.pw);
    expect(Object.keys(held.inputs!)).toEqual(['content', 'rules', 'pw', 'small']);
    expect({ ...held }).toMatchObject({ label: command.label, code: command.code });
  });

  it('renders the same batch, script and stdin', () => {
    const a = renderBatch([command], 'stop-on-error');
    const b = renderBatch([heldCommand(command)], 'stop-on-error');
    expect(b.script).toBe(a.script);
    expect(b.stdin.equals(a.stdin)).toBe(true);
  });
});

describe('packed readers', () => {
  it('give back text and bytes as they were, short or long', () => {
    for (const n of [0, 1, PACK_FROM - 1, PACK_FROM, 50_000]) {
      const text = 'ab\u00e9c'.repeat(n).slice(0, n);
      expect(packedText(text)()).toBe(text);
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 7) & 255));
      expect(packedBytes(bytes)().equals(bytes)).toBe(true);
    }
  });

  it('keep a short Buffer in memory of its own, not the pool block it was cut from', () => {
    const pooled = Buffer.from('short');
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    const read = packedBytes(pooled)();
    expect(read.toString()).toBe('short');
    expect(read.buffer.byteLength).toBe(5);
  });
});
