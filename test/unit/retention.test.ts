import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HSTS } from '../../src/hsts/paths.js';
import { listRunsCommand, parseRunList, type RunList } from '../../src/runner/node-state.js';
import { removeRunsCommand, runsHoldingPasswordsCommand, runsToPrune, runsWithOldPassword } from '../../src/runner/retention.js';

const id = (day: number) => `202612${String(day).padStart(2, '0')}T101010Z-0000`;
const list = (entries: [number, string][]): RunList => parseRunList(entries.map(([day, state]) => `${id(day)} ${state}`).join('\n'));

describe('retention: which runs a node removes', () => {
  const cases: { name: string; runs: [number, string][]; keep: number; current: number; prune: number[] }[] = [
    { name: 'fewer than N: none', runs: [[1, 'done'], [2, 'done']], keep: 10, current: 2, prune: [] },
    { name: 'the oldest finished beyond N', runs: [[1, 'done'], [2, 'rolled-back'], [3, 'done'], [4, 'done']], keep: 2, current: 4, prune: [2, 1] },
    { name: 'an unfinished run is never pruned', runs: [[1, 'applying'], [2, 'rollback-failed'], [3, 'done'], [4, 'done']], keep: 1, current: 4, prune: [3] },
    { name: 'a run whose state is unknown is kept', runs: [[1, 'garbage'], [2, 'done'], [3, 'done']], keep: 1, current: 3, prune: [2] },
    { name: 'the current run is kept whatever its place', runs: [[1, 'done'], [5, 'done'], [6, 'done']], keep: 1, current: 1, prune: [5] },
  ];
  it.each(cases)('$name', ({ runs, keep, current, prune }) => {
    expect(runsToPrune(list(runs), keep, id(current))).toEqual(prune.map(id));
  });

  it('after a rotation: the finished earlier runs whose snapshots hold a Redis or Sentinel file', () => {
    const runs = list([[1, 'done'], [2, 'applying'], [3, 'rolled-back'], [4, 'done'], [9, 'done']]);
    const holding = new Set([id(1), id(2), id(3), id(9)]);
    expect(runsWithOldPassword(runs, holding, id(5))).toEqual([id(3), id(1)]);
  });

  it('removes run directories by run id only', () => {
    expect(removeRunsCommand([id(1)]).code).toMatch(/cd '\/var\/lib\/hsts-cluster\/runs' && rm -rf -- '20261201T101010Z-0000'$/);
    expect(() => removeRunsCommand(['../../etc'])).toThrow(/bad run id/);
  });
});

describe('the run list and the runs holding passwords, as bash on a node answers them', () => {
  it('lists run directories by id with their state, and names the runs whose snapshot holds a Redis file', () => {
    const base = mkdtempSync(join(homedir(), '.hsts-runs-test-'));
    try {
      const state = join(base, 'state');
      mkdirSync(join(state, 'runs', id(1)), { recursive: true, mode: 0o700 });
      mkdirSync(join(state, 'runs', id(2)), { mode: 0o700 });
      mkdirSync(join(state, 'runs', 'not-a-run'), { mode: 0o700 });
      symlinkSync('/etc', join(state, 'runs', id(3)));
      writeFileSync(join(state, 'runs', id(1), 'state'), 'done\n');
      writeFileSync(join(state, 'runs', id(1), 'snapshot.json'), JSON.stringify({ files: [{ path: HSTS.redisConf }] }));
      writeFileSync(join(state, 'runs', id(2), 'snapshot.json'), '{"files":[]}');
      const answer = (code: string) => execFileSync('bash', ['-c', code.replaceAll(HSTS.stateDir, state)], { encoding: 'utf8', timeout: 10_000 });
      expect([...parseRunList(answer(listRunsCommand().code))]).toEqual([[id(2), 'unknown'], [id(1), 'done']]);
      expect(answer(runsHoldingPasswordsCommand().code).trim()).toBe(id(1));
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
