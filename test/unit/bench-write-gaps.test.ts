import { describe, expect, it } from 'vitest';
import { longestGapWithin, lostWrites, parseAcks } from '../../bench/write-gaps.js';

describe('parseAcks', () => {
  it('keeps the time and value of each acknowledged write, in order, and nothing else', () => {
    const output = [
      '1000 ack 1 172.18.0.2',
      '1010 err 172.18.0.2 READONLY You can\'t write against a read only replica.',
      '1020 err - no Sentinel answers',
      '1500 ack 2 172.18.0.3',
      'end after 4 attempts',
    ].join('\n');
    expect(parseAcks(output)).toEqual([{ at: 1000, value: 1 }, { at: 1500, value: 2 }]);
  });
});

describe('longestGapWithin', () => {
  const acks = [0, 10, 20, 900, 910, 2000, 2010];
  it.each([
    ['a gap inside the window', 15, 905, 880],
    ['the gap open when the window starts counts', 500, 905, 880],
    ['the gap still open when the window ends counts', 905, 1000, 1090],
    ['a window between two acks: the gap around it', 950, 960, 1090],
    ['gaps outside the window do not count', 2000, 2005, 10],
    ['a window that starts and ends on acks', 0, 20, 10],
  ])('%s', (_what, from, to, expected) => {
    expect(longestGapWithin(acks, from, to)).toBe(expected);
  });
  it('does not depend on the order the times are given in', () => {
    expect(longestGapWithin([910, 0, 2010, 20, 10, 900, 2000], 15, 905)).toBe(880);
  });
  it.each([
    ['no ack at all', [], 0, 10],
    ['no ack before the window', [50, 60], 10, 55],
    ['no ack after the window', [0, 10], 5, 20],
  ])('is unknown (null) with %s', (_what, times, from, to) => {
    expect(longestGapWithin(times, from, to)).toBeNull();
  });
  it('refuses a window that ends before it starts', () => {
    expect(() => longestGapWithin(acks, 10, 5)).toThrow(/ends \(5\) before it starts \(10\)/);
  });
});

describe('lostWrites', () => {
  it.each([
    ['every value rose and the counter holds the last', [1, 2, 3, 4], 4, 0],
    ['other clients wrote too: a counter above the last value loses nothing', [1, 3, 7], 9, 0],
    ['a value acknowledged but above the final counter', [1, 2, 3, 4], 3, 1],
    ['two acknowledged values the counter does not reach', [1, 2, 3, 4], 2, 2],
    ['a lost write made a later INCR return a value again', [1, 2, 3, 3, 4], 4, 1],
    ['a value that fell', [5, 6, 4, 5], 6, 2],
    ['no writes', [], 0, 0],
  ])('%s', (_what, acked, final, expected) => {
    expect(lostWrites(acked, final)).toBe(expected);
  });
});
