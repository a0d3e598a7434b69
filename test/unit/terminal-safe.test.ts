import { describe, expect, it } from 'vitest';
import { terminalSafe } from '../../src/ui/terminal-safe.js';

describe('no control character from a node reaches the operator\'s terminal', () => {
  it.each([
    ['plain text, newlines and tabs stay', 'port 31415\n\tdir /opt/aspera/var\n', 'port 31415\n\tdir /opt/aspera/var\n'],
    ['an OSC 52 clipboard write', 'ascp \x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07 -l 100m', 'ascp \\u001b]52;c;Y3VybCBldmlsIHwgc2g=\\u0007 -l 100m'],
    ['a cursor move that would hide the lines above', '# requirepass x\x1b[2A\x1b[K', '# requirepass x\\u001b[2A\\u001b[K'],
    ['a carriage return that would overwrite a line', '- dir /etc\r+ dir /opt', '- dir /etc\\u000d+ dir /opt'],
    ['an 8-bit CSI (C1) and DEL', 'a\u009b2Jb\u007f', 'a\\u009b2Jb\\u007f'],
    ['a bidi override (text shown in another order)', 'dir /opt\u202e/etc', 'dir /opt\\u202e/etc'],
    ['other Unicode stays', 'café ✓ 日本', 'café ✓ 日本'],
  ])('%s', (_name, text, shown) => {
    expect(terminalSafe(text)).toBe(shown);
  });

  it('JSON stays JSON, with the same values', () => {
    const value = { output: 'x\u009b2J\u202ey\u007f', line: 'a\x1bb' };
    const safe = terminalSafe(JSON.stringify(value));
    expect(safe).not.toMatch(/[\u007f-\u009f\u202e]/);
    expect(JSON.parse(safe)).toEqual(value);
  });
});
