/**
 * Pure arithmetic on a writing client's log, for `npm run bench -- --rolling`: when each write was
 * acknowledged, the longest wait between two acknowledged writes within an operation's window, and
 * how many acknowledged writes the data no longer holds.
 */
import { parseWriterOutput, type Ack } from '../test/support/writer.js';

/** The `<ms> ack <value> <primary>` lines of the writer's output (test/support/writer.ts), in order. */
export function parseAcks(output: string): Ack[] {
  return parseWriterOutput(output).acks;
}

/**
 * The longest time between two consecutive acknowledged writes where that interval overlaps the
 * window [from, to] (an operation's start and end) by more than an instant: the gap that was open
 * when the operation started counts, as does the one still open when it ended. Null when no write was acknowledged
 * before the window started or after it ended: the gap is then not known.
 */
export function longestGapWithin(ackTimes: number[], from: number, to: number): number | null {
  if (to < from) throw new Error(`window ends (${to}) before it starts (${from})`);
  const times = [...ackTimes].sort((a, b) => a - b);
  if (times.length === 0 || times[0]! > from || times.at(-1)! < to) return null;
  let longest = 0;
  for (let i = 1; i < times.length; i++) {
    const [a, b] = [times[i - 1]!, times[i]!];
    if (b > from && a < to) longest = Math.max(longest, b - a);
  }
  return longest;
}

/**
 * Acknowledged writes the data lost. An INCR counter only grows, so every acknowledged value must be
 * at most the final counter, and each must exceed every one acknowledged before it: a lost write
 * makes later INCRs return values again. Counts both kinds (an acknowledged value above the final
 * counter, a value that did not rise above the highest before it), each write once.
 */
export function lostWrites(acked: number[], finalValue: number): number {
  let lost = 0;
  let highest = Number.NEGATIVE_INFINITY;
  for (const v of acked) {
    if (v > finalValue || v <= highest) lost++;
    highest = Math.max(highest, v);
  }
  return lost;
}
