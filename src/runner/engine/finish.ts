import { closeSessions } from '../sessions.js';
import { exitCodeFor, totals, type RunGoal, type RunResult } from '../result.js';
import { releaseLocks } from './lock.js';
import type { Run } from './run.js';

/** Finish: the result (exit code by what the run set out to do), reported as the run's last event. */
export function runResult(run: Run, goal: RunGoal): RunResult {
  const nodes = [...run.recaps.values()];
  const result: RunResult = {
    run: run.reportedRun ?? run.id,
    command: run.command,
    exitCode: exitCodeFor(nodes, run.errors, goal),
    nodes,
    totals: totals(nodes),
    warnings: run.warnings,
    errors: run.errors,
    journal: run.journal.path,
    durationMs: Date.now() - run.started,
  };
  if (run.primary) result.primary = run.primary;
  if (run.membership) result.membership = run.membership;
  run.emit({ event: 'run-end', exitCode: result.exitCode, totals: result.totals, durationMs: result.durationMs, errors: run.errors });
  return result;
}

/**
 * Whatever happened (an exception too): release the locks this run holds and close every session.
 * The release is a batch of its own, not the tail of a node's last batch: that batch (verify, say)
 * may fail and start a rollback, which needs the lock, and the run marks its runs done after it. It
 * has no inputs, so it sends no stdin and costs one round trip (as root or with sudo -n).
 */
export async function closeRun(run: Run): Promise<void> {
  await releaseLocks(run);
  closeSessions(run.sessions);
  run.journal.close();
}
