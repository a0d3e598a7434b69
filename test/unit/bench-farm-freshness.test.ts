import { describe, expect, it } from 'vitest';
import { UNANSWERED_EXIT } from '../../bench/farm/answer.js';
import { commandsHash, recordedKeys, staleReasons, stampFor, type Probe } from '../../bench/farm/freshness.js';
import type { Recording, RecordingStamp } from '../../bench/farm/recording-file.js';
import { unansweredLabels } from '../../bench/farm/unanswered.js';

const answered = (code: string) => ({ code, exitCode: 0, ms: 1, output: '' });
/** A recording of 3 nodes: node 0 the primary; node 2 asked one command node 1 (the replica the farm copies) was not. */
const recording: Recording = {
  recordedFrom: { nodes: 3, primary: 0, cluster: {} },
  modes: {
    cold: [
      { node: 0, batches: [[answered('facts'), answered('write the file')]] },
      { node: 1, batches: [[answered('facts'), answered('replicaof the primary'), { code: 'not run' }]] },
      { node: 2, batches: [[answered('facts'), answered('only on node 3')]] },
    ],
    noop: [
      { node: 0, batches: [[answered('facts')]] },
      { node: 1, batches: [[answered('facts')]] },
    ],
  },
};

describe('the recording\'s stamp', () => {
  it('hashes a set of command keys: order and repeats do not count, any other key does', () => {
    expect(commandsHash(['b', 'a', 'a'])).toBe(commandsHash(['a', 'b']));
    expect(commandsHash(['a', 'b'])).not.toBe(commandsHash(['a', 'b2']));
    expect(commandsHash(['a\0b'])).not.toBe(commandsHash(['a', 'b']));
  });

  it('covers the keys the farm answers from: the primary and the replica it copies, answered commands only', () => {
    expect(new Set(recordedKeys(recording, 'cold'))).toEqual(new Set(['facts', 'write the file', 'replicaof the primary']));
    expect(stampFor(recording, 'hsts-node:abc')).toEqual({
      nodeImage: 'hsts-node:abc',
      commands: { cold: commandsHash(['facts', 'write the file', 'replicaof the primary']), noop: commandsHash(['facts']) },
    });
  });
});

describe('whether the recording is stale', () => {
  const made: RecordingStamp = stampFor(recording, 'hsts-node:abc');
  const probe = (mode: 'cold' | 'noop', over: Partial<Probe> = {}): Probe =>
    ({ mode, commands: made.commands[mode], unanswered: [], failure: null, ...over });
  const fresh = [probe('noop'), probe('cold')];

  it.each<[string, RecordingStamp | undefined, string, Probe[], RegExp[]]>([
    ['fresh: same image, same commands', made, 'hsts-node:abc', fresh, []],
    ['no stamp (older recording)', undefined, 'hsts-node:abc', fresh, [/no stamp/]],
    ['another node image (the simulator changed)', made, 'hsts-node:def', fresh, [/node image hsts-node:abc, the rig's is now hsts-node:def/]],
    ['a command it cannot answer, named by its label', made, 'hsts-node:abc',
      [probe('noop'), probe('cold', { commands: 'x', unanswered: ['keep /opt/aspera/etc/rootkeystore.db'] })],
      [/cold up sent 1 command\(s\) it has no answer for: "keep \/opt\/aspera\/etc\/rootkeystore.db"/]],
    ['a run that failed otherwise', made, 'hsts-node:abc', [probe('noop', { commands: null, failure: 'exit 1' }), probe('cold')], [/noop up failed on it: exit 1/]],
    ['every command answered but the set differs (one removed)', made, 'hsts-node:abc', [probe('noop'), probe('cold', { commands: commandsHash(['facts']) })],
      [/cold up's commands .* are not those recorded/]],
  ])('%s', (_name, stamp, image, probes, expected) => {
    const reasons = staleReasons(stamp, image, probes);
    expect(reasons).toHaveLength(expected.length);
    expected.forEach((re, i) => expect(reasons[i]).toMatch(re));
  });
});

describe('the labels of commands the farm could not answer', () => {
  it('come from the run\'s journal, each once, and only for the farm\'s own exit code', () => {
    const journal = [
      { event: 'command', node: 'node1', command: 'keep the stores' },
      { event: 'result', node: 'node1', command: 'keep the stores', exitCode: UNANSWERED_EXIT },
      { event: 'result', node: 'node2', command: 'keep the stores', exitCode: UNANSWERED_EXIT },
      { event: 'result', node: 'node1', command: 'a program a real node lacks', exitCode: 127 },
      { event: 'result', node: 'node1', command: 'read aspera.conf', exitCode: 0 },
    ].map((e) => JSON.stringify(e)).join('\n');
    expect(unansweredLabels(`${journal}\n`)).toEqual(['keep the stores']);
  });
});
