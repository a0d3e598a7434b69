/**
 * The rollback fault matrix (test/rig/faults.ts, run by test/integration/rollback.test.ts) must
 * plant a fault in every step that a playbook runs: a step without one has a rollback no test sees.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STEPS } from '../../src/steps/registry.js';
import { FAULTS } from '../rig/faults.js';
import { PLAYBOOK_DIR, playbookSteps } from './plan-helpers.js';

const PLAYBOOKS = readdirSync(PLAYBOOK_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();

/** "playbook: step" for every step a playbook runs that no fault case plants a fault in. */
function uncovered(): string[] {
  const faulted = new Set(FAULTS.map((f) => f.step));
  return PLAYBOOKS.flatMap((playbook) => playbookSteps(playbook).filter((step) => !faulted.has(step)).map((step) => `${playbook}: ${step}`));
}

/*
 * Gaps known when this test was written, each to be closed by a fault case in test/rig/faults.ts:
 * add-transfer-user's only step has a fault test of its own (test/integration/day2.test.ts,
 * "add-transfer-user rollback"), but no case in the matrix. The test fails both on a new gap and on a
 * gap closed without being taken off this list, so that the list stays true.
 */
const KNOWN_GAPS = ['add-transfer-user: transfer-users'];

describe('the rollback fault matrix', () => {
  it('reads the playbooks the CLI runs', () => {
    expect(PLAYBOOKS).toEqual(expect.arrayContaining(['up', 'add-transfer-user']));
  });

  it('plants a fault in every step of every playbook (no gaps beyond the known ones)', () => {
    expect(uncovered(), 'steps a playbook runs that no fault case in test/rig/faults.ts fails').toEqual(KNOWN_GAPS);
  });

  it('names only steps that exist', () => {
    expect(FAULTS.map((f) => f.step).filter((step) => !(step in STEPS))).toEqual([]);
  });

  it('names only steps some playbook runs', () => {
    const run = new Set(PLAYBOOKS.flatMap(playbookSteps));
    expect(FAULTS.map((f) => f.step).filter((step) => !run.has(step))).toEqual([]);
  });
});
