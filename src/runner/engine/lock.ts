import { setTimeout as sleep } from 'node:timers/promises';
import { hostname, userInfo } from 'node:os';
import type { RemoteCommand } from '../../ssh/remote-script.js';
import { acquireLockCommand, describeHolder, releaseLockCommand, type LockHolder } from '../node-state.js';
import { stateRefusal } from '../../remote/state-dir.js';
import type { Run } from './run.js';

/** Who holds the lock while this run does: written into the lock so others can say who it is. */
export function lockHolder(run: Run): LockHolder {
  return {
    run: run.id, command: run.command, user: userInfo().username, host: hostname(), pid: process.pid, since: new Date().toISOString(),
  };
}

/** The refusal when another run holds the lock: `output` is what the lock command printed. */
export function lockRefusal(output: string): Error {
  const unusable = stateRefusal(output);
  if (unusable) return new Error(unusable);
  return new Error(`the run lock is held by ${describeHolder(output.replace(/^held by: /, ''))}`);
}

/** What taking the lock on one node gave: held by this run, held by another (`output` names it), or no answer. */
export type LockAnswer =
  | { node: string; state: 'held' }
  | { node: string; state: 'refused'; output: string }
  /** The node's state directory failed its check (state-dir.ts): no retry helps. */
  | { node: string; state: 'unusable'; output: string }
  | { node: string; state: 'no-answer' };

export type LockDecision =
  | { kind: 'proceed' }
  /** This run holds the first node; these nodes refused: the run that holds them lost the first node and is releasing. */
  | { kind: 'retry'; nodes: string[] }
  /** Stop; `refusals` name the holders to report (none when a node did not answer: its own error says why). */
  | { kind: 'stop'; refusals: { node: string; output: string }[] }
  /** Ctrl-C while waiting to retry: stop, nothing was changed. */
  | { kind: 'interrupted' };

/**
 * The optimistic lock's decision (pure): every node's lock is asked for at once, and the first
 * inventory node decides. mkdir is atomic on it, so of runs started together exactly one holds it:
 * that one proceeds once it holds every node; the others stop (and release what they took), so a
 * refusal elsewhere is retried while retries are left. `answers` are in inventory order.
 */
export function decideLock(answers: LockAnswer[], retriesLeft: boolean): LockDecision {
  const unusable = answers.filter((a): a is Extract<LockAnswer, { state: 'unusable' }> => a.state === 'unusable');
  if (unusable.length > 0) return { kind: 'stop', refusals: unusable };
  const [first] = answers;
  if (!first || first.state === 'refused') return { kind: 'stop', refusals: first ? [first] : [] };
  if (answers.some((a) => a.state === 'no-answer')) return { kind: 'stop', refusals: [] };
  const refused = answers.filter((a): a is Extract<LockAnswer, { state: 'refused' }> => a.state === 'refused');
  if (refused.length === 0) return { kind: 'proceed' };
  if (retriesLeft) return { kind: 'retry', nodes: refused.map((a) => a.node) };
  return { kind: 'stop', refusals: refused };
}

/**
 * Waits before each retry of the nodes another run still held: that run is releasing (it lost the
 * first node), which it does on each node as soon as it has that node's answer and the first's
 * (engine/gather.ts), though a slow node's facts batch can hold its answer for seconds. About 15 s
 * in all, enough for a loaded machine; a lock that outlasts it (a dead controller's) is refused.
 */
export const LOCK_RETRY_DELAYS_MS = [200, 400, 800, 1600, 3200, 4000, 5000];

/** When to stop retrying: Ctrl-C (`abort`, which also ends a wait at once), or `giveUp` (a node failed). */
export interface LockRetryStop {
  abort?: AbortSignal;
  giveUp?: () => boolean;
}

/** What the lock command's result (or its absence: the batch failed) says. */
export function lockAnswer(node: string, result: { exitCode: number; output: string } | undefined): LockAnswer {
  if (!result) return { node, state: 'no-answer' };
  if (result.exitCode === 0) return { node, state: 'held' };
  return stateRefusal(result.output) ? { node, state: 'unusable', output: result.output } : { node, state: 'refused', output: result.output };
}

/**
 * Takes the run lock on every node of the run (those it holds already are not asked): `take` asks
 * the given nodes (the lock command first in a batch of theirs; it is called once even with none)
 * and answers for each. Retries as
 * decideLock says, with LOCK_RETRY_DELAYS_MS and without --break-lock (what was stale is gone by
 * then: a lock now is another run's). A node that may hold the lock without this run knowing (no
 * answer) counts as locked: the release at the end only removes a lock that names this run.
 */
export async function takeRunLock(
  run: Run,
  breakLock: boolean,
  take: (nodes: string[], command: RemoteCommand) => Promise<LockAnswer[]>,
  stop: LockRetryStop = {},
  delaysMs: readonly number[] = LOCK_RETRY_DELAYS_MS,
): Promise<LockDecision> {
  const aborted = () => stop.abort?.aborted ?? false;
  const names = run.inventory.nodes.map((n) => n.name);
  const holder = lockHolder(run);
  const answers = new Map<string, LockAnswer>(names.filter((n) => run.locked.has(n)).map((node) => [node, { node, state: 'held' }]));
  let pending = names.filter((n) => !run.locked.has(n));
  let command = acquireLockCommand(holder, breakLock);
  for (let attempt = 0; ; attempt++) {
    for (const answer of await take(pending, command)) {
      answers.set(answer.node, answer);
      if (answer.state !== 'refused' && answer.state !== 'unusable') run.locked.add(answer.node);
    }
    const decision = decideLock(names.map((node) => answers.get(node) ?? { node, state: 'no-answer' }), attempt < delaysMs.length && !aborted() && !stop.giveUp?.());
    if (decision.kind !== 'retry') return decision;
    await sleep(delaysMs[attempt], undefined, { signal: stop.abort }).catch(() => undefined);
    if (aborted()) return { kind: 'interrupted' };
    pending = decision.nodes;
    command = acquireLockCommand(holder, false);
  }
}

export const INTERRUPTED_WAITING = 'interrupted (Ctrl-C) while waiting for the run lock; nothing was changed';

/** Releases one node's lock, if this run holds it there (a loser lets go as soon as it knows). */
export async function releaseLock(run: Run, name: string): Promise<void> {
  if (!run.locked.has(name)) return;
  const r = await run.sessions.get(name)?.run([releaseLockCommand(run.id)], 'run-all').catch(() => undefined);
  if (r?.results[0]?.exitCode === 0) run.locked.delete(name);
}

/** Releases every lock this run took (only where it still holds it); a node that does not answer is left as it is. */
export async function releaseLocks(run: Run): Promise<void> {
  await Promise.all([...run.locked].map((name) =>
    run.sessions.get(name)?.run([releaseLockCommand(run.id)], 'run-all').catch(() => undefined) ?? Promise.resolve()));
}

/**
 * The run lock on every node, in one batch each (see decideLock). The commands built beside the
 * engine (switchover, maintenance, restart, upgrade, rotate-password, membership-leave) take it
 * with this; a refusal names the holder in the node's recap and the run's errors.
 */
export async function lockEveryNode(run: Run, breakLock: boolean, abort?: AbortSignal): Promise<boolean> {
  const failures = new Map<string, string>();
  const decision = await takeRunLock(run, breakLock, (nodes, command) => Promise.all(nodes.map(async (node) => {
    const r = await run.session(node).run([command], 'run-all').catch((e: Error) => ({ results: [], failure: { output: e.message } }));
    if (!r.results[0]) failures.set(node, `could not take the run lock: ${r.failure?.output ?? 'no answer'}`);
    return lockAnswer(node, r.results[0]);
  })), { abort });
  if (decision.kind === 'proceed') return true;
  if (decision.kind === 'interrupted') {
    run.errors.push(INTERRUPTED_WAITING);
    return false;
  }
  if (decision.kind === 'stop') for (const { node, output } of decision.refusals) failures.set(node, lockRefusal(output).message);
  for (const [node, message] of failures) {
    run.nodeFailed(node, message);
    run.errors.push(`${node}: ${message}`);
  }
  return false;
}
