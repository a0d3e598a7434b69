import { describe, expect, it } from 'vitest';
import { criticalPathRoundTrips, journalBatches } from '../../bench/critical-path.js';

const cmd = (node: string, command: string) => JSON.stringify({ event: 'command', node, command });
const res = (node: string, command: string) => JSON.stringify({ event: 'result', node, command, exitCode: 0, durationMs: 1 });
const other = (event: string) => JSON.stringify({ event });

/** One phase: every node sends one batch of `labels`, then every answer comes back, in node order. */
function phase(nodes: string[], labels: string[]): string[] {
  return [
    ...nodes.flatMap((n) => labels.map((l) => cmd(n, l))),
    ...nodes.flatMap((n) => labels.map((l) => res(n, l))),
    other('step'),
  ];
}

const nodes = (count: number) => Array.from({ length: count }, (_, i) => `node${i + 1}`);

/** A run shaped like `up`: lock on the first node, facts everywhere, two apply phases, verify. */
function upJournal(count: number): string {
  const all = nodes(count);
  return [
    other('run-start'),
    cmd('node1', 'take the run lock'), res('node1', 'take the run lock'),
    ...phase(all, ['facts a', 'facts b', 'facts c']),
    ...phase(all, ['snapshot']),
    ...phase(all, ['write files', 'restart']),
    ...phase(all, ['verify']),
    other('run-end'),
  ].join('\n');
}

describe('critical-path round trips from a journal', () => {
  it('groups consecutive command lines of a node into one batch, ended by its last result', () => {
    const batches = journalBatches([cmd('n1', 'a'), cmd('n1', 'b'), cmd('n2', 'a'), res('n2', 'a'), res('n1', 'a'), res('n1', 'b')].join('\n'));
    expect(batches.map((b) => ({ node: b.node, labels: [...b.labels], start: b.start, end: b.end }))).toEqual([
      { node: 'n1', labels: ['a', 'b'], start: 0, end: 5 },
      { node: 'n2', labels: ['a'], start: 2, end: 3 },
    ]);
  });

  it.each([1, 3, 50, 500])('counts the same sequential round trips for %i nodes doing the same work', (count) => {
    expect(criticalPathRoundTrips(upJournal(count))).toBe(5);
  });

  it('counts a node\'s batches in a row within one phase, not the other nodes\' in parallel', () => {
    const text = [
      cmd('n1', 'a'), cmd('n2', 'a'), res('n2', 'a'), cmd('n2', 'b'), res('n1', 'a'), res('n2', 'b'),
      cmd('n2', 'c'), res('n2', 'c'),
    ].join('\n');
    // n2: a, b, c in a row while n1's single batch overlaps: 3 sequential round trips.
    expect(criticalPathRoundTrips(text)).toBe(3);
  });

  it('does not take a node that goes straight on after every other node finished for a barrier', () => {
    // As in a real journal: node2's facts answer comes last and node2 sends its second facts batch
    // on the next line; the snapshot phase then starts on every node.
    const text = [
      cmd('n1', 'facts'), cmd('n2', 'facts'), res('n1', 'facts'), cmd('n1', 'redis'), res('n1', 'redis'),
      res('n2', 'facts'), cmd('n2', 'redis'), res('n2', 'redis'), other('roles'),
      cmd('n1', 'snapshot'), cmd('n2', 'snapshot'), res('n1', 'snapshot'), res('n2', 'snapshot'),
    ].join('\n');
    expect(criticalPathRoundTrips(text)).toBe(3);
  });

  it('counts batches one node runs side by side once', () => {
    const text = [cmd('n1', 'ping redis'), cmd('n1', 'ping sentinel'), res('n1', 'ping redis'), res('n1', 'ping sentinel')].join('\n');
    // Two run() calls in the same tick look like one batch; two answers, one round trip.
    expect(criticalPathRoundTrips(text)).toBe(1);
    const staggered = [cmd('n1', 'x'), other('step'), cmd('n1', 'y'), res('n1', 'x'), res('n1', 'y')].join('\n');
    expect(criticalPathRoundTrips(staggered)).toBe(1);
  });

  it('ends a batch that never answered with the journal', () => {
    const text = [cmd('n1', 'a'), res('n1', 'a'), cmd('n1', 'b'), other('run-end')].join('\n');
    expect(criticalPathRoundTrips(text)).toBe(2);
  });

  it('is 0 for a run that sent nothing', () => {
    expect(criticalPathRoundTrips([other('run-start'), other('run-end')].join('\n'))).toBe(0);
  });
});
