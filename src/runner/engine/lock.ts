import { hostname, userInfo } from 'node:os';
import { describeHolder, releaseLockCommand, type LockHolder } from '../node-state.js';
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
