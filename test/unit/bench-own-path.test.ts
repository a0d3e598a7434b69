import { describe, expect, it } from 'vitest';
import { ownRemotePathMs } from '../../bench/own-path.js';

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
const line = (ms: number, event: string, node: string, command: string) => JSON.stringify({ time: at(ms), event, node, command });

describe('the remote critical path of a timed run, from its journal', () => {
  // Facts on two nodes side by side (n2 goes on with a second batch), then one step on both.
  const journal = [
    JSON.stringify({ time: at(0), event: 'run-start' }),
    line(100, 'command', 'n1', 'facts'), line(101, 'command', 'n2', 'facts'),
    line(300, 'result', 'n1', 'facts'), line(400, 'result', 'n2', 'facts'),
    line(450, 'command', 'n2', 'more'), line(700, 'result', 'n2', 'more'),
    line(900, 'command', 'n1', 'apply'), line(901, 'command', 'n2', 'apply'),
    line(1000, 'result', 'n1', 'apply'), line(1100, 'result', 'n2', 'apply'),
  ].join('\n');
  const recorded = [
    { node: 'n1', wave: 'facts', sent: 0 }, { node: 'n2', wave: 'facts', sent: 1 }, { node: 'n2', wave: 'facts', sent: 4 },
    { node: 'n1', wave: 'apply', sent: 7 }, { node: 'n2', wave: 'apply', sent: 8 },
  ];

  it('sums the longest chain of answer times, without the gaps the controller spent', () => {
    // n2: facts 299 + more 250, then apply 199 (n2's own; n1's apply 100): 748 ms of a 1100 ms run.
    expect(ownRemotePathMs(journal, recorded)).toBe(299 + 250 + 199);
  });

  it('gives up when the run and the recording did not send the same batches', () => {
    expect(ownRemotePathMs(journal, recorded.slice(0, 4))).toBeNull();
  });
});
