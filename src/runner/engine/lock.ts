import { hostname, userInfo } from 'node:os';
import { acquireLockCommand, describeHolder, releaseLockCommand, type LockHolder } from '../node-state.js';
import { runOne } from './run-one.js';
import type { Run } from './run.js';

/** Who holds the lock while this run does: written into the lock so others can say who it is. */
export function lockHolder(run: Run): LockHolder {
  return {
    run: run.id, command: run.command, user: userInfo().username, host: hostname(), pid: process.pid, since: new Date().toISOString(),
  };
}

/** The refusal when another run holds the lock: `output` is what the lock command printed. */
export function lockRefusal(output: string): Error {
  return new Error(`the run lock is held by ${describeHolder(output.replace(/^held by: /, ''))}`);
}

/** Releases every lock this run took (only where it still holds it); a node that does not answer is left as it is. */
export async function releaseLocks(run: Run): Promise<void> {
  await Promise.all([...run.locked].map((name) =>
    run.sessions.get(name)?.run([releaseLockCommand(run.id)], 'run-all').catch(() => undefined) ?? Promise.resolve()));
}

/**
 * The run lock: on the first node alone (of two runs, one proceeds), then on the others. The
 * commands built beside the engine (switchover, maintenance, restart, upgrade, rotate-password)
 * take it with this; a refusal names the holder in the node's recap and the run's errors.
 */
export async function lockEveryNode(run: Run, breakLock: boolean): Promise<boolean> {
  const command = acquireLockCommand(lockHolder(run), breakLock);
  const [first, ...rest] = run.inventory.nodes;
  for (const group of [[first!], rest]) {
    const taken = await Promise.all(group.map(async (node) => ({ node, r: await runOne(run, node, command) })));
    for (const { node, r } of taken) {
      if (r.ok) {
        run.locked.add(node.name);
      } else {
        const message = lockRefusal(r.output).message;
        Object.assign(run.recap(node.name), { status: 'failed', failed: 1, error: message });
        run.errors.push(`${node.name}: ${message}`);
      }
    }
    if (taken.some((t) => !t.r.ok)) return false;
  }
  return true;
}
