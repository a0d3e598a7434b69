import { describe, expect, it } from 'vitest';
import { replayInOrder, type Ordered } from '../../bench/floor.js';

interface Batch extends Ordered { name: string }

/** Replays with every batch finishing on a later turn of the event loop; returns what ran when. */
async function trace(batches: Batch[]): Promise<{ log: string[]; maxParallel: number }> {
  const log: string[] = [];
  let running = 0;
  let maxParallel = 0;
  await replayInOrder(batches, async (b) => {
    log.push(`start ${b.name}`);
    running++;
    maxParallel = Math.max(maxParallel, running);
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    running--;
    log.push(`end ${b.name}`);
  });
  return { log, maxParallel };
}

describe('the floor\'s replay order', () => {
  it('runs batches that overlapped in the recording side by side, and a later phase after them', async () => {
    // Phase 1: three nodes' facts overlap (all sent before any answer); phase 2 after all answers.
    const batches: Batch[] = [
      { name: 'facts1', sent: 0, done: 3 }, { name: 'facts2', sent: 1, done: 4 }, { name: 'facts3', sent: 2, done: 5 },
      { name: 'apply1', sent: 6, done: 9 }, { name: 'apply2', sent: 7, done: 10 }, { name: 'apply3', sent: 8, done: 11 },
    ];
    const { log, maxParallel } = await trace(batches);
    expect(maxParallel).toBe(3);
    const at = (e: string) => log.indexOf(e);
    for (const apply of ['apply1', 'apply2', 'apply3']) {
      for (const facts of ['facts1', 'facts2', 'facts3']) expect(at(`start ${apply}`)).toBeGreaterThan(at(`end ${facts}`));
    }
  });

  it('waits only for the answers that had come back when a batch was sent', async () => {
    // lock1 answers first; facts on nodes 2 and 3 were sent after it, node1's second batch after its own facts.
    const batches: Batch[] = [
      { name: 'lock1', sent: 0, done: 1 },
      { name: 'facts1', sent: 2, done: 7 }, { name: 'facts2', sent: 3, done: 5 }, { name: 'facts3', sent: 4, done: 6 },
      { name: 'more1', sent: 8, done: 9 },
    ];
    const { log } = await trace(batches);
    const at = (e: string) => log.indexOf(e);
    expect(at('start facts2')).toBeGreaterThan(at('end lock1'));
    expect(at('start facts2')).toBeLessThan(at('end facts1')); // not held behind node1's facts
    expect(at('start more1')).toBeGreaterThan(at('end facts1'));
    expect(at('start more1')).toBeGreaterThan(at('end facts2'));
  });

  it('keeps one node\'s batches in a row when the recording had them in a row', async () => {
    const batches: Batch[] = [0, 1, 2, 3].map((i) => ({ name: `b${i}`, sent: 2 * i, done: 2 * i + 1 }));
    const { log, maxParallel } = await trace(batches);
    expect(maxParallel).toBe(1);
    expect(log).toEqual(['start b0', 'end b0', 'start b1', 'end b1', 'start b2', 'end b2', 'start b3', 'end b3']);
  });

  it('stops at the first failure and reports it', async () => {
    const batches: Batch[] = [{ name: 'a', sent: 0, done: 1 }, { name: 'b', sent: 2, done: 3 }];
    const ran: string[] = [];
    await expect(replayInOrder(batches, (b) => {
      ran.push(b.name);
      return b.name === 'a' ? Promise.reject(new Error('exit 1')) : Promise.resolve();
    })).rejects.toThrow('exit 1');
    expect(ran).toEqual(['a']);
  });

  it('finishes at once with nothing to replay', async () => {
    await expect(replayInOrder([], () => Promise.resolve())).resolves.toBeUndefined();
  });
});
