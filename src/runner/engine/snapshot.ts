import { runningRedis } from '../facts.js';
import { makeRunDirCommand, saveSnapshotCommand } from '../node-state.js';
import { heldCommand } from '../held-command.js';
import { changeCount, type NodePlan } from '../planner.js';
import { saveRedisDataCommand } from '../redis-data.js';
import { saveCopiesCommand } from '../saved-copies.js';
import { runDir, serializeSnapshot, takeSnapshot, type Snapshot } from '../snapshot.js';
import type { RemoteCommand } from '../../ssh/remote-script.js';
import type { NodeFacts } from '../../steps/types.js';
import { checkSnapshot } from '../snapshot-check.js';
import { describeFailure } from './failure.js';
import type { Run } from './run.js';

/**
 * Snapshot: on every node that will change, before its first change, save what the changes touch
 * (and Redis's dataset when it will be replaced). The opaque files it touches (askmscli's stores),
 * which the facts do not hold, are copied on the node first: the snapshot names them only once
 * they are there. A snapshot the `rollback` command would refuse (runner/snapshot-check.ts) fails
 * its node before anything is saved. False when a node failed: the run rolls back the nodes already
 * saved and stops.
 */
export async function snapshotChangingNodes(run: Run, plans: NodePlan[], commandTimeoutMs: number): Promise<boolean> {
  const changing = plans.filter((p) => changeCount(p) > 0);
  if (changing.length === 0) return true;
  const outcomes = await run.phase('Snapshot nodes that will change', changing.map((p) => ({
    node: p.node.name,
    run: async () => {
      const touches = [...p.changes.values()].flat().flatMap((c) => c.touches);
      const facts = p.facts!;
      const snapshot = takeSnapshot(run.id, p.node.name, run.inventory.cluster.nodedUser, facts, touches);
      // A node changes only on a snapshot that `hsts-cluster rollback` would accept after a killed
      // controller: it is made from facts others can shape (Redis's dir and dbfilename name the RDB).
      checkSnapshot(serializeSnapshot(snapshot), { run: run.id, node: p.node.name, inventory: run.inventory });
      const commands = snapshotCommands(run, snapshot, facts);
      // What a rollback needs is in the snapshot now; the node's facts are not read again.
      p.facts = undefined;
      const saved = await run.session(p.node.name).run(commands, 'stop-on-error', commandTimeoutMs);
      if (saved.failure) throw new Error(describeFailure(saved.failure));
      run.snapshots.set(p.node.name, snapshot);
      return { status: 'ok' };
    },
  })));
  return !run.failNodes(outcomes, 'snapshot');
}

/** What saves the snapshot on its node, held packed (runner/held-command.ts): every node's is out at once. */
function snapshotCommands(run: Run, snapshot: Snapshot, facts: NodeFacts): RemoteCommand[] {
  const dir = runDir(run.id);
  const commands = [
    ...(snapshot.copies.length ? [makeRunDirCommand(run.id), saveCopiesCommand(dir, snapshot.copies)] : []),
    saveSnapshotCommand(snapshot),
  ];
  if (snapshot.redisData) {
    commands.push(saveRedisDataCommand(dir, snapshot.redisData.rdb, runningRedis(facts, run.inventory.cluster), run.inventory.cluster.nodedUser));
  }
  return commands.map(heldCommand);
}
