import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HSTS } from '../../src/hsts/paths.js';
import { acquireLockCommand, describeHolder, type LockHolder } from '../../src/runner/node-state.js';

/** The lock command run by the local bash, its node paths moved under a temporary directory. */
const root = mkdtempSync(join(tmpdir(), 'hsts-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function take(dir: string, holder: LockHolder): Promise<{ code: number; output: string }> {
  const command = acquireLockCommand(holder, false);
  const input = join(dir, `in-${holder.run}`);
  mkdirSync(input);
  writeFileSync(join(input, 'holder'), String(command.inputs!.holder));
  const code = `IN=${input}\n${command.code.replaceAll(HSTS.stateDir, join(dir, 'state'))}`;
  return new Promise((resolve) => {
    execFile('bash', ['-c', code], (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, output: stdout + stderr }));
  });
}

/** A run id as engine/run.ts makes them (a holder naming anything else is not one hsts-cluster wrote). */
const runId = (side: 'A' | 'B', round: number) => `20261128T0000${String(round).padStart(2, '0')}Z-${side === 'A' ? 'aaaa' : 'bbbb'}`;
const holder = (run: string): LockHolder => ({ run, command: 'up', user: 'op', host: 'laptop', pid: 1, since: '2026-11-28T00:00:00Z' });

describe('the run lock, taken by two runs at once', () => {
  it('lets exactly one win, every time, and the loser names the winner', async () => {
    for (let round = 0; round < 50; round++) {
      const dir = mkdtempSync(join(root, `r${round}-`));
      const results = await Promise.all([take(dir, holder(runId('A', round))), take(dir, holder(runId('B', round)))]);
      expect(results.map((r) => r.code).sort()).toEqual([0, 1]);
      const winner = results.find((r) => r.code === 0)!;
      const loser = results.find((r) => r.code === 1)!;
      expect(winner.output.trim()).toBe('acquired');
      const named = describeHolder(loser.output.trim().replace(/^held by: /, ''));
      expect(named).toMatch(/^run 20261128T0000\d\dZ-(aaaa|bbbb) \(up\) by op@laptop pid 1/);
      expect(named).not.toContain(`${runId(results.indexOf(loser) === 0 ? 'A' : 'B', round)} `);
    }
  });
});
