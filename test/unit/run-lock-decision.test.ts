import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decideLock, lockAnswer, takeRunLock, type LockAnswer, type LockDecision } from '../../src/runner/engine/lock.js';
import { Run } from '../../src/runner/engine/run.js';
import type { Progress } from '../../src/ui/progress.js';
import { buildInventory } from '../support/facts.js';

const held = (node: string): LockAnswer => ({ node, state: 'held' });
const refused = (node: string, by = 'B'): { node: string; state: 'refused'; output: string } => ({ node, state: 'refused', output: `held by: {"run":"${by}"}` });
const silent = (node: string): LockAnswer => ({ node, state: 'no-answer' });

describe('decideLock: the first node decides', () => {
  const cases: { name: string; answers: LockAnswer[]; retriesLeft: boolean; decision: LockDecision }[] = [
    { name: 'every node held: proceed', answers: [held('n1'), held('n2'), held('n3')], retriesLeft: true, decision: { kind: 'proceed' } },
    { name: 'a single node held: proceed', answers: [held('n1')], retriesLeft: false, decision: { kind: 'proceed' } },
    {
      name: 'first refused: stop at once, naming its holder only (the others are the loser\'s own, released)',
      answers: [refused('n1'), held('n2'), held('n3')], retriesLeft: true, decision: { kind: 'stop', refusals: [refused('n1')] },
    },
    {
      name: 'first refused, others refused too: the first names the winner',
      answers: [refused('n1', 'A'), refused('n2', 'C'), held('n3')], retriesLeft: true, decision: { kind: 'stop', refusals: [refused('n1', 'A')] },
    },
    {
      name: 'first refused on the first node only: stop, no retry',
      answers: [refused('n1'), held('n2')], retriesLeft: true, decision: { kind: 'stop', refusals: [refused('n1')] },
    },
    {
      name: 'first held, others refused: retry those (their holder lost the first node)',
      answers: [held('n1'), refused('n2'), held('n3'), refused('n4')], retriesLeft: true, decision: { kind: 'retry', nodes: ['n2', 'n4'] },
    },
    {
      name: 'first held, others still refused, no retries left: stop naming them (a stale lock)',
      answers: [held('n1'), refused('n2', 'dead'), held('n3')], retriesLeft: false, decision: { kind: 'stop', refusals: [refused('n2', 'dead')] },
    },
    {
      name: 'first did not answer: stop (its error says why)',
      answers: [silent('n1'), held('n2')], retriesLeft: true, decision: { kind: 'stop', refusals: [] },
    },
    {
      name: 'first held, another did not answer: stop, no retry',
      answers: [held('n1'), silent('n2'), refused('n3')], retriesLeft: true, decision: { kind: 'stop', refusals: [] },
    },
    {
      name: 'first refused and another silent: the refusal is named',
      answers: [refused('n1'), silent('n2')], retriesLeft: true, decision: { kind: 'stop', refusals: [refused('n1')] },
    },
    { name: 'no nodes: stop', answers: [], retriesLeft: true, decision: { kind: 'stop', refusals: [] } },
  ];
  for (const c of cases) {
    it(c.name, () => expect(decideLock(c.answers, c.retriesLeft)).toEqual(c.decision));
  }

  it('reads a lock command result: exit 0 held, else refused with its output, none: no answer', () => {
    expect(lockAnswer('n1', { exitCode: 0, output: 'acquired' })).toEqual(held('n1'));
    expect(lockAnswer('n1', { exitCode: 1, output: 'held by: x' })).toEqual({ node: 'n1', state: 'refused', output: 'held by: x' });
    expect(lockAnswer('n1', undefined)).toEqual(silent('n1'));
  });
});

describe('takeRunLock: asks, retries the refused nodes, records what it holds', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  function newRun(): Run {
    const dir = mkdtempSync(join(tmpdir(), 'run-lock-'));
    dirs.push(dir);
    return new Run('unit', buildInventory({ nodes: 3 }), { journalDir: dir, progress: {} as Progress, log: () => undefined });
  }
  /** Answers attempt k with script[k] for the nodes asked (held when the script does not say). */
  function scripted(script: Record<string, LockAnswer['state']>[]) {
    const asked: { nodes: string[]; breaking: boolean }[] = [];
    const take = (nodes: string[], command: { label: string }) => {
      const states = script[asked.length] ?? {};
      asked.push({ nodes, breaking: command.label.includes('breaking') });
      return Promise.resolve(nodes.map((node) => {
        const state = states[node] ?? 'held';
        return state === 'refused' ? refused(node) : state === 'no-answer' ? silent(node) : held(node);
      }));
    };
    return { asked, take };
  }

  it('proceeds after the loser let go; the retry asks only the refused nodes and breaks nothing', async () => {
    const run = newRun();
    const { asked, take } = scripted([{ node2: 'refused', node3: 'refused' }, { node3: 'refused' }, {}]);
    const decision = await takeRunLock(run, true, take, {}, [0, 0, 0]);
    expect(decision).toEqual({ kind: 'proceed' });
    expect(asked).toEqual([
      { nodes: ['node1', 'node2', 'node3'], breaking: true },
      { nodes: ['node2', 'node3'], breaking: false },
      { nodes: ['node3'], breaking: false },
    ]);
    expect([...run.locked].sort()).toEqual(['node1', 'node2', 'node3']);
  });

  it('stops naming the holder when the retries run out', async () => {
    const run = newRun();
    const { asked, take } = scripted([{ node2: 'refused' }, { node2: 'refused' }, { node2: 'refused' }]);
    expect(await takeRunLock(run, false, take, {}, [0, 0])).toEqual({ kind: 'stop', refusals: [refused('node2')] });
    expect(asked).toHaveLength(3);
    expect([...run.locked].sort()).toEqual(['node1', 'node3']);
  });

  it('stops at once when the first node is refused, keeping what it took to release', async () => {
    const run = newRun();
    const { asked, take } = scripted([{ node1: 'refused', node3: 'refused' }]);
    expect(await takeRunLock(run, false, take, {}, [0, 0])).toEqual({ kind: 'stop', refusals: [refused('node1')] });
    expect(asked).toHaveLength(1);
    expect([...run.locked]).toEqual(['node2']);
  });

  it('counts a node that did not answer as locked (the release removes only this run\'s lock)', async () => {
    const run = newRun();
    const { take } = scripted([{ node2: 'no-answer' }]);
    expect(await takeRunLock(run, false, take, {}, [0])).toEqual({ kind: 'stop', refusals: [] });
    expect([...run.locked].sort()).toEqual(['node1', 'node2', 'node3']);
  });

  it('does not ask again for locks it holds (taken before), but still calls take once', async () => {
    const run = newRun();
    for (const n of ['node1', 'node2', 'node3']) run.locked.add(n);
    const { asked, take } = scripted([]);
    expect(await takeRunLock(run, false, take, {}, [0])).toEqual({ kind: 'proceed' });
    expect(asked).toEqual([{ nodes: [], breaking: false }]);
  });

  it('stops retrying when aborted', async () => {
    const run = newRun();
    const { asked, take } = scripted([{ node3: 'refused' }]);
    expect(await takeRunLock(run, false, take, { abort: AbortSignal.abort() }, [0, 0])).toEqual({ kind: 'stop', refusals: [refused('node3')] });
    expect(asked).toHaveLength(1);
  });

  it('ends a wait to retry at once on Ctrl-C: interrupted, not a refusal, and asks nothing more', async () => {
    const run = newRun();
    const { asked, take } = scripted([{ node3: 'refused' }, {}]);
    const ctrlC = new AbortController();
    setTimeout(() => ctrlC.abort(), 50);
    // A 60 s wait: were Ctrl-C not heard, the test would time out.
    expect(await takeRunLock(run, false, take, { abort: ctrlC.signal }, [60_000])).toEqual({ kind: 'interrupted' });
    expect(asked).toHaveLength(1);
  });
});
