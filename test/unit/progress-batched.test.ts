import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BatchedLines } from '../../src/ui/progress.js';

function sink() {
  const writes: string[] = [];
  return { writes, out: new BatchedLines({ write: (t: string) => writes.push(t) }) };
}

describe('BatchedLines: the plain progress, one write per turn of the event loop', () => {
  it('lines of one turn go out together, in order, once the turn is over', async () => {
    const { writes, out } = sink();
    out.write('a\n');
    out.write(Buffer.from('b ✓\n'));
    out.write('c\n');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['a\nb ✓\nc\n']);
  });

  it('each turn its own write; flush writes what is pending at once, and nothing when nothing is', async () => {
    const { writes, out } = sink();
    out.write('1\n');
    await nextTurn();
    out.write('2\n');
    out.flush();
    expect(writes).toEqual(['1\n', '2\n']);
    await nextTurn();
    out.flush();
    expect(writes).toEqual(['1\n', '2\n']);
  });
});
