import type { Inventory } from '../../inventory/load.js';
import type { HostKeyPolicy } from '../../ssh/connection.js';
import { NodeSession } from '../../ssh/session.js';
import { gatherFacts } from '../facts.js';
import { stateRefusal } from '../../remote/state-dir.js';
import { setRunStateCommand, stateCheckCommand, stopStrayCommand } from '../node-state.js';
import { differences, planRollback, snapshotNeeds, type Snapshot } from '../snapshot.js';

export interface NodeRollbackResult {
  ok: boolean;
  /** Rollback commands run (0: the node was already as its snapshot says). */
  commands: number;
  /** What still differs from the snapshot, when the rollback failed. */
  left: string[];
}

/**
 * Puts one node back as its snapshot says and checks that it is: facts now, the commands that close
 * the gap, facts again. What it reads comes from the snapshot itself, not from a playbook.
 * A lost connection is opened again once: a cut link must not strand a node.
 */
export async function rollBackNode(
  inventory: Inventory,
  sessions: Map<string, NodeSession>,
  name: string,
  snapshot: Snapshot,
  options: { hostKeys: HostKeyPolicy; commandTimeoutMs: number },
): Promise<NodeRollbackResult> {
  const node = inventory.nodes.find((n) => n.name === name)!;
  const needs = snapshotNeeds(snapshot, node.privateIp);
  let session = sessions.get(name);
  if (!session || session.connection.lost) {
    session?.close();
    try {
      session = await NodeSession.open(node, { policy: options.hostKeys });
    } catch (e) {
      return { ok: false, commands: 0, left: [`node unreachable for the rollback: ${(e as Error).message}`] };
    }
    sessions.set(name, session);
  }
  session.tag = `hsts-cluster:${snapshot.run}:rollback`;
  try {
    const before = await gatherFacts(session, inventory, needs, [stopStrayCommand(snapshot.run), stateCheckCommand()]);
    const refused = stateRefusal(before.before[1]?.output ?? '');
    if (refused) return { ok: false, commands: 0, left: [refused] };
    const commands = planRollback(snapshot, before.facts);
    if (commands.length > 0) {
      const result = await session.run(commands, 'stop-on-error', options.commandTimeoutMs);
      if (result.failure) {
        const after = await gatherFacts(session, inventory, needs).catch(() => null);
        const left = after ? differences(snapshot, after.facts) : ['state unknown'];
        await session.run([setRunStateCommand(snapshot.run, 'rollback-failed')], 'run-all').catch(() => undefined);
        return { ok: false, commands: commands.length, left: [`${result.failure.label}: ${result.failure.output.trim()}`, ...left] };
      }
    }
    const after = await gatherFacts(session, inventory, needs);
    const left = differences(snapshot, after.facts);
    await session.run([setRunStateCommand(snapshot.run, left.length ? 'rollback-failed' : 'rolled-back')], 'run-all');
    return { ok: left.length === 0, commands: commands.length, left };
  } catch (e) {
    return { ok: false, commands: 0, left: [(e as Error).message] };
  }
}
