import { describe, expect, it } from 'vitest';
import { replayDependencies, replayInOrder, type Ordered } from '../../bench/floor.js';

interface Batch extends Ordered { name: string }

const batch = (name: string, node: string, wave: string, sent: number, done: number): Batch => ({ name, node, wave, sent, done });

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

/** Each batch's name with the names of what it waits for. */
function dependencies(batches: Batch[]): Record<string, string[]> {
  return Object.fromEntries([...replayDependencies(batches)].map(([b, deps]) => [b.name, deps.map((d) => d.name).sort()]));
}

describe('what a replayed batch waits for', () => {
  // The counter numbers every send and every answer of the run, in the order they happened.
  const cases: { name: string; batches: Batch[]; want: Record<string, string[]> }[] = [
    {
      name: 'a phase after the previous one: every answer before the barrier',
      batches: [
        batch('facts1', 'n1', 'facts', 0, 3), batch('facts2', 'n2', 'facts', 1, 4), batch('facts3', 'n3', 'facts', 2, 5),
        batch('apply1', 'n1', 'apply', 6, 9), batch('apply2', 'n2', 'apply', 7, 10), batch('apply3', 'n3', 'apply', 8, 11),
      ],
      want: {
        facts1: [], facts2: [], facts3: [],
        apply1: ['facts1', 'facts2', 'facts3'], apply2: ['facts1', 'facts2', 'facts3'], apply3: ['facts1', 'facts2', 'facts3'],
      },
    },
    {
      name: 'nodes going on side by side in one phase: each its own chain, not the other nodes\' answers',
      batches: [
        batch('a1', 'n1', 'p', 0, 2), batch('b1', 'n2', 'p', 1, 4),
        batch('a2', 'n1', 'p', 3, 6), batch('b2', 'n2', 'p', 5, 7),
      ],
      // b2 was sent after a1's answer, which came by chance: it waits for its own b1 only (b1 answered
      // just before it was sent). a2 was sent right after a1's answer.
      want: { a1: [], b1: [], a2: ['a1'], b2: ['b1'] },
    },
    {
      name: 'the last node to answer going straight on in the same phase is not a barrier',
      batches: [
        batch('lock1', 'n1', '', 0, 1),
        batch('facts1', 'n1', 'facts', 2, 5), batch('facts2', 'n2', 'facts', 3, 6), batch('facts3', 'n3', 'facts', 4, 7),
        batch('more3', 'n3', 'facts', 8, 9),
        batch('verify1', 'n1', 'verify', 10, 12), batch('verify3', 'n3', 'verify', 11, 13),
      ],
      want: {
        lock1: [],
        facts1: ['lock1'], facts2: ['lock1'], facts3: ['lock1'],
        more3: ['facts3', 'lock1'],
        verify1: ['facts1', 'facts2', 'facts3', 'lock1', 'more3'], verify3: ['facts1', 'facts2', 'facts3', 'lock1', 'more3'],
      },
    },
    {
      name: 'every node starting its next step at once after a quiet moment is a barrier, even in one phase',
      batches: [
        batch('v1', 'n1', 'verify', 0, 5), batch('v2', 'n2', 'verify', 1, 4), batch('v3', 'n3', 'verify', 2, 3),
        batch('w1', 'n1', 'verify', 6, 9), batch('w2', 'n2', 'verify', 7, 10), batch('w3', 'n3', 'verify', 8, 11),
      ],
      want: { v1: [], v2: [], v3: [], w1: ['v1', 'v2', 'v3'], w2: ['v1', 'v2', 'v3'], w3: ['v1', 'v2', 'v3'] },
    },
    {
      name: 'the answer just before a send counts, whatever its node (a freed --forks slot)',
      batches: [batch('x1', 'n1', 'p', 0, 2), batch('x2', 'n2', 'p', 1, 5), batch('x3', 'n3', 'p', 3, 4)],
      want: { x1: [], x2: [], x3: ['x1'] },
    },
    {
      name: 'an answer from another phase counts',
      batches: [batch('x1', 'n1', 'p', 0, 5), batch('old', 'n3', 'q', 1, 2), batch('v', 'n4', 'p', 3, 6), batch('z', 'n2', 'p', 4, 7)],
      want: { x1: [], old: [], v: ['old'], z: ['old'] },
    },
    {
      name: 'a batch that never answered is nobody\'s dependency',
      batches: [batch('lost', 'n1', 'p', 0, -1), batch('next', 'n1', 'p', 1, 2)],
      want: { lost: [], next: [] },
    },
  ];
  for (const c of cases) it(c.name, () => expect(dependencies(c.batches)).toEqual(c.want));
});

describe('the floor\'s replay order', () => {
  it('runs batches that overlapped in the recording side by side, and a later phase after them', async () => {
    const batches: Batch[] = [
      batch('facts1', 'n1', 'facts', 0, 3), batch('facts2', 'n2', 'facts', 1, 4), batch('facts3', 'n3', 'facts', 2, 5),
      batch('apply1', 'n1', 'apply', 6, 9), batch('apply2', 'n2', 'apply', 7, 10), batch('apply3', 'n3', 'apply', 8, 11),
    ];
    const { log, maxParallel } = await trace(batches);
    expect(maxParallel).toBe(3);
    const at = (e: string) => log.indexOf(e);
    for (const apply of ['apply1', 'apply2', 'apply3']) {
      for (const facts of ['facts1', 'facts2', 'facts3']) expect(at(`start ${apply}`)).toBeGreaterThan(at(`end ${facts}`));
    }
  });

  it('lets a node go on without waiting for another node of the same phase', async () => {
    // n2's second batch was sent after n1's first answered, by chance: n1's second is slow to come.
    const batches: Batch[] = [
      batch('a1', 'n1', 'p', 0, 2), batch('b1', 'n2', 'p', 1, 4),
      batch('a2', 'n1', 'p', 3, 6), batch('b2', 'n2', 'p', 5, 7),
    ];
    const { log } = await trace(batches);
    const at = (e: string) => log.indexOf(e);
    expect(at('start b2')).toBeGreaterThan(at('end b1'));
    expect(at('start a2')).toBeGreaterThan(at('end a1'));
    expect(at('start b2')).toBeLessThan(at('end a2'));
  });

  it('keeps one node\'s batches in a row when the recording had them in a row', async () => {
    const batches: Batch[] = [0, 1, 2, 3].map((i) => batch(`b${i}`, 'n1', 'p', 2 * i, 2 * i + 1));
    const { log, maxParallel } = await trace(batches);
    expect(maxParallel).toBe(1);
    expect(log).toEqual(['start b0', 'end b0', 'start b1', 'end b1', 'start b2', 'end b2', 'start b3', 'end b3']);
  });

  it('stops at the first failure and reports it', async () => {
    const batches: Batch[] = [batch('a', 'n1', 'p', 0, 1), batch('b', 'n1', 'p', 2, 3)];
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
