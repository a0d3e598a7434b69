import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Run } from '../../src/runner/engine/run.js';
import { newRecap, type NodeRecap } from '../../src/runner/result.js';
import type { Progress } from '../../src/ui/progress.js';
import { buildInventory } from '../support/facts.js';

/**
 * How a node ended, as the run's node* and step* methods record it: the recap before (a fresh one,
 * or one a run already counted in or gave an error), the method, the recap after. The recap is
 * compared as JSON, so the order of its fields (`--json` prints them) is checked too: `error`, when
 * it first appears, comes last.
 */
const dir = mkdtempSync(join(tmpdir(), 'run-outcomes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Before = Partial<Pick<NodeRecap, 'status' | 'ok' | 'changed' | 'failed' | 'error'>>;

function recapAfter(before: Before, act: (run: Run) => void): string {
  const run = new Run('unit', buildInventory(), { journalDir: dir, progress: {} as Progress, log: () => undefined });
  Object.assign(run.recap('node1'), before);
  act(run);
  return JSON.stringify(run.recap('node1'));
}

/** The recap expected, its fields in the order a recap holds them. */
function recap(fields: Before): string {
  return JSON.stringify({ ...newRecap('node1'), ...fields });
}

const fresh: Before = {};
const counted: Before = { status: 'ok', ok: 2, changed: 3 };
const failedBefore: Before = { status: 'failed', failed: 1, error: 'step units: exit 1' };
const leftBefore: Before = { status: 'rollback-failed', failed: 1, error: 'left: writes still paused' };

describe('a node outcome: the recap before, the method, the recap after', () => {
  const cases: [string, Before, (run: Run) => void, Before][] = [
    ['ok: one step', fresh, (r) => r.nodeOk('node1'), { status: 'ok', ok: 1 }],
    ['ok: the count set, not added', counted, (r) => r.nodeOk('node1'), { status: 'ok', ok: 1, changed: 3 }],

    ['changed: one step', fresh, (r) => r.nodeChanged('node1'), { status: 'changed', changed: 1 }],
    ['changed: the count set to 1 after a run counted', counted, (r) => r.nodeChanged('node1'), { status: 'changed', ok: 2, changed: 1 }],
    ['changed, one more: from none', fresh, (r) => r.nodeChanged('node1', 'one-more'), { status: 'changed', changed: 1 }],
    ['changed, one more: added to the steps counted', counted, (r) => r.nodeChanged('node1', 'one-more'), { status: 'changed', ok: 2, changed: 4 }],

    ['failed: one failed step and its error', fresh, (r) => r.nodeFailed('node1', 'boom'), { status: 'failed', failed: 1, error: 'boom' }],
    ['failed: the count set to 1, the error replaced', failedBefore, (r) => r.nodeFailed('node1', 'boom'), { status: 'failed', failed: 1, error: 'boom' }],
    ['failed, one more: added', failedBefore, (r) => r.nodeFailed('node1', 'boom', 'one-more'), { status: 'failed', failed: 2, error: 'boom' }],
    ['failed, one more: the steps that passed kept', counted, (r) => r.nodeFailed('node1', 'boom', 'one-more'), { status: 'failed', ok: 2, changed: 3, failed: 1, error: 'boom' }],
    ['failed without an error: the status only', counted, (r) => r.nodeFailed('node1'), { status: 'failed', ok: 2, changed: 3 }],

    ['unreachable: a failure with its error', fresh, (r) => r.nodeUnreachable('node1', 'connect ECONNREFUSED'), { status: 'unreachable', failed: 1, error: 'connect ECONNREFUSED' }],
    ['not-started: the status only', counted, (r) => r.nodeNotStarted('node1'), { status: 'not-started', ok: 2, changed: 3 }],

    ['rolled-back with an error: a failure', fresh, (r) => r.nodeRolledBack('node1', 'restored: not in maintenance'), { status: 'rolled-back', failed: 1, error: 'restored: not in maintenance' }],
    ['rolled-back without: the status only', counted, (r) => r.nodeRolledBack('node1'), { status: 'rolled-back', ok: 2, changed: 3 }],
    ['rolled-back without: a failed step kept', failedBefore, (r) => r.nodeRolledBack('node1'), { status: 'rolled-back', failed: 1, error: 'step units: exit 1' }],
    ['rolled-back, changed by the rollback command: changed', fresh, (r) => r.nodeRolledBack('node1', { changed: true }), { status: 'rolled-back', changed: 1 }],
    ['rolled-back, already as it was: ok', fresh, (r) => r.nodeRolledBack('node1', { changed: false }), { status: 'rolled-back', ok: 1 }],
    ['rolled-back, changed: both counts set', counted, (r) => r.nodeRolledBack('node1', { changed: true }), { status: 'rolled-back', ok: 0, changed: 1 }],

    ['rollback-failed: left', fresh, (r) => r.nodeRollbackFailed('node1', 'rollback stage retire failed'), { status: 'rollback-failed', failed: 1, error: 'left: rollback stage retire failed' }],
    ['rollback-failed: an earlier error dropped', failedBefore, (r) => r.nodeRollbackFailed('node1', 'x'), { status: 'rollback-failed', failed: 1, error: 'left: x' }],
    ['rollback-failed, keep: nothing earlier', fresh, (r) => r.nodeRollbackFailed('node1', 'x', 'keep'), { status: 'rollback-failed', failed: 1, error: 'left: x' }],
    ['rollback-failed, keep: an earlier left joined', leftBefore, (r) => r.nodeRollbackFailed('node1', 'replica-priority left at 0', 'keep'),
      { status: 'rollback-failed', failed: 1, error: 'left: writes still paused; replica-priority left at 0' }],
    ['rollback-failed, keep: an earlier error joined', failedBefore, (r) => r.nodeRollbackFailed('node1', 'x', 'keep'), { status: 'rollback-failed', failed: 1, error: 'left: step units: exit 1; x' }],
    ['rollback-failed: the counts of a run kept', counted, (r) => r.nodeRollbackFailed('node1', 'x'), { status: 'rollback-failed', ok: 2, changed: 3, failed: 1, error: 'left: x' }],
  ];
  it.each(cases)('%s', (_name, before, act, after) => {
    expect(recapAfter(before, act)).toBe(recap({ ...before, ...after }));
  });
});

describe('a playbook run\'s counting: the recap before, the method, the recap after', () => {
  const cases: [string, Before, (run: Run) => void, Before][] = [
    ['a step with nothing to do: counted, the status kept', fresh, (r) => r.stepOk('node1'), { ok: 1 }],
    ['a step that changed: counted, the status kept', counted, (r) => r.stepChanged('node1'), { changed: 4 }],
    ['planned with changes: would-change', counted, (r) => r.nodePlanned('node1', { changed: 2, ok: 5 }), { status: 'would-change', ok: 5, changed: 2 }],
    ['planned without: ok', fresh, (r) => r.nodePlanned('node1', { changed: 0, ok: 7 }), { status: 'ok', ok: 7 }],
    ['applied with a change: changed', { changed: 1 }, (r) => r.nodeApplied('node1'), { status: 'changed', changed: 1 }],
    ['applied without: ok', { status: 'would-change', ok: 4 }, (r) => r.nodeApplied('node1'), { status: 'ok', ok: 4 }],
    ['applied: a failed node too (status from the counts only)', failedBefore, (r) => r.nodeApplied('node1'), { status: 'ok', failed: 1, error: 'step units: exit 1' }],

    ['after the rollback: rolled-back', counted, (r) => r.nodeAfterRollback('node1'), { status: 'rolled-back', ok: 2, changed: 3 }],
    ['after the rollback: a failed node stays failed, rolled back as well', failedBefore, (r) => r.nodeAfterRollback('node1'),
      { status: 'failed', failed: 1, error: 'step units: exit 1\n  (this node was restored as well)' }],
    ['after the rollback: left, the counts kept', counted, (r) => r.nodeAfterRollback('node1', '/etc/x differs. Fix it'),
      { status: 'rollback-failed', ok: 2, changed: 3, error: 'rollback failed, left: /etc/x differs. Fix it' }],
    ['after the rollback: left, below the earlier error', failedBefore, (r) => r.nodeAfterRollback('node1', '/etc/x differs'),
      { status: 'rollback-failed', failed: 1, error: 'step units: exit 1\n  rollback failed, left: /etc/x differs' }],
  ];
  it.each(cases)('%s', (_name, before, act, after) => {
    expect(recapAfter(before, act)).toBe(recap({ ...before, ...after }));
  });
});

describe('a node outcome touches its node only', () => {
  it('leaves the other recaps as they were', () => {
    const run = new Run('unit', buildInventory(), { journalDir: dir, progress: {} as Progress, log: () => undefined });
    run.nodeFailed('node2', 'boom');
    run.nodeRollbackFailed('node3', 'x');
    expect(run.recap('node1')).toEqual(newRecap('node1'));
    expect([...run.recaps.keys()]).toEqual(['node1', 'node2', 'node3']);
  });
});
