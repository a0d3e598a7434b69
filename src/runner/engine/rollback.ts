import type { HostKeyPolicy } from '../../ssh/connection.js';
import type { NodeTask } from '../../ui/progress.js';
import { rollBackNode } from './rollback-node.js';
import type { Snapshot } from '../snapshot.js';
import type { Run } from './run.js';

export interface SnapshotRollbackOptions {
  hostKeys: HostKeyPolicy;
  commandTimeoutMs: number;
}

/**
 * One node put back as its snapshot says, reported as a 'rollback' event; the task fails with
 * what is left when the rollback did not close every difference. `unchanged` is the detail shown
 * when the node was already as its snapshot says.
 */
export function rollbackTask(
  run: Run, name: string, snapshot: () => Promise<Snapshot>, options: SnapshotRollbackOptions, unchanged: string,
): NodeTask {
  return {
    node: name,
    run: async () => {
      const saved = await snapshot();
      const outcome = await rollBackNode(run.inventory, run.sessions, name, saved, options);
      run.emit({ event: 'rollback', node: name, ...(run.reportedRun ? { run: run.reportedRun } : {}), result: outcome.ok ? 'restored' : 'failed', left: outcome.left });
      if (!outcome.ok) throw new Error(outcome.left.join('; '));
      return { status: outcome.commands > 0 ? 'changed' : 'ok', detail: outcome.commands > 0 ? 'rolled back' : unchanged };
    },
  };
}

/**
 * Rollback on failure or Ctrl-C: every node this run saved a snapshot of, whatever it reached.
 * A node whose rollback failed is exit 3, with the command that finishes the job later.
 */
export async function rollBackChangedNodes(run: Run, options: SnapshotRollbackOptions): Promise<void> {
  if (run.snapshots.size === 0) return;
  run.emit({ event: 'rollback-start', nodes: [...run.snapshots.keys()] });
  const tasks = [...run.snapshots].map(([name, snapshot]) => rollbackTask(run, name, () => Promise.resolve(snapshot), options, 'nothing to undo'));
  const outcomes = await run.phase('Roll back every changed node', tasks);
  for (const o of outcomes) {
    run.nodeAfterRollback(o.node, o.error ? `${o.error.message}. Fix the cause, then run: hsts-cluster rollback -i ${run.inventory.path} --run ${run.id}` : undefined);
  }
}
