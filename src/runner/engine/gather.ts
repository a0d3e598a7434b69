import { hstsTransfers, parseTransfers } from '../../remote/transfers.js';
import type { NodeFacts, PlanOptions } from '../../steps/types.js';
import type { RemoteCommand } from '../../ssh/remote-script.js';
import type { NodeTask, NodeTaskOutcome } from '../../ui/progress.js';
import { factNeeds, gatherFacts } from '../facts.js';
import { describeHolder } from '../node-state.js';
import type { Playbook } from '../playbook.js';
import { INTERRUPTED_WAITING, lockAnswer, lockRefusal, releaseLock, takeRunLock, type LockAnswer } from './lock.js';
import type { Run } from './run.js';

export interface GatherOptions {
  mode: 'apply' | 'plan';
  breakLock: boolean;
  /** 0: refuse while transfers run; else wait up to this many seconds for them to end. */
  waitTransfersS: number;
  abort: AbortSignal;
}

/**
 * Lock and gather facts. Apply takes the run lock in each node's facts batch, before any probe reads
 * (the optimistic lock, lock.ts decideLock: the first node decides which of two runs started at
 * once proceeds); a node another run still held is locked and read again after a backoff. A node
 * whose lock this run holds already (membership/leave.ts took them) is only read. Plan takes no lock
 * and warns about a run in progress. Null when a node failed or the lock was refused: the run stops.
 */
export async function lockAndGather(run: Run, playbook: Playbook, options: GatherOptions, planOptions: PlanOptions): Promise<Map<string, NodeFacts> | null> {
  const facts = new Map<string, NodeFacts>();
  const steps = playbook.phases.map((p) => p.step);
  const failed: NodeTaskOutcome[] = [];
  const firstNode = run.inventory.nodes[0]!.name;
  // Refused on the first node, this run has lost: it lets go of each other node as soon as it
  // holds it, so that the run that won need not wait for this one's whole facts phase.
  let lost = false;
  const read = async (title: string, names: string[], lock: RemoteCommand | null): Promise<LockAnswer[]> => {
    const answers: LockAnswer[] = [];
    const gotLock = async (answer: LockAnswer): Promise<void> => {
      answers.push(answer);
      if (answer.node === firstNode && (answer.state === 'refused' || answer.state === 'unusable')) {
        lost = true;
        await Promise.all([...run.locked].map((name) => releaseLock(run, name)));
      } else if (lost) {
        await releaseLock(run, answer.node);
      }
    };
    const tasks: NodeTask[] = names.map((name) => ({
      node: name,
      run: async () => {
        const node = run.inventory.nodes.find((n) => n.name === name)!;
        const takeLock = lock !== null && !run.locked.has(name);
        let gathered;
        try {
          gathered = await gatherFacts(run.session(name), run.inventory, factNeeds(steps, run.inventory, node, planOptions), takeLock ? [lock] : []);
        } catch (e) {
          if (takeLock) answers.push({ node: name, state: 'no-answer' });
          throw e;
        }
        facts.set(name, gathered.facts);
        if (takeLock) {
          const answer = lockAnswer(name, gathered.before[0]);
          if (answer.state === 'held') run.locked.add(name);
          await gotLock(answer);
        }
        if (!lock && gathered.facts.lockHolder) {
          run.warnings.push(`${name}: a run is in progress: ${describeHolder(gathered.facts.lockHolder)}`);
        }
        return { status: 'ok' };
      },
    }));
    const outcomes = await run.phase(title, tasks);
    failed.push(...outcomes.filter((o) => o.error));
    return answers;
  };
  const everyNode = run.inventory.nodes.map((n) => n.name);
  if (options.mode === 'plan') {
    await read('Gather facts', everyNode, null);
  } else {
    let attempts = 0;
    let lastLock: RemoteCommand | null = null;
    const decision = await takeRunLock(run, options.breakLock, async (names, lock) => {
      // The first attempt reads every node (those locked already too); a retry the refused ones.
      const answers = await read(attempts === 0 ? 'Take the run lock and gather facts' : 'Take the run lock and gather facts again', attempts === 0 ? everyNode : names, lock);
      attempts++;
      lastLock = lock;
      return answers;
    }, { abort: options.abort, giveUp: () => failed.length > 0 });
    if (decision.kind === 'interrupted') {
      run.errors.push(INTERRUPTED_WAITING);
      return null;
    }
    if (decision.kind === 'stop') {
      failed.push(...decision.refusals.map(({ node, output }) => ({ node, error: lockRefusal(output) })));
    } else if (attempts > 1 && failed.length === 0) {
      // Facts read before the wait may be older than the others (the holder, a rollback say, may have
      // changed its node meanwhile): now that every lock is held, every node is read again.
      await read('Gather facts again under the lock', everyNode, lastLock);
    }
  }
  if (run.failNodes(failed, 'pre-flight')) return null;
  await waitForTransfers(run, facts, options);
  return facts;
}

/** --wait-transfers: polls (bounded) until no node runs ascp; what is left the pre-flight check refuses. */
async function waitForTransfers(run: Run, facts: Map<string, NodeFacts>, options: GatherOptions): Promise<void> {
  const busy = () => run.inventory.nodes.filter((n) => facts.get(n.name)!.transfers.length > 0);
  if (options.waitTransfersS <= 0 || busy().length === 0) return;
  const deadline = Date.now() + options.waitTransfersS * 1000;
  run.io.log(`waiting up to ${options.waitTransfersS} s for transfers to end on ${busy().map((n) => n.name).join(', ')}`);
  while (busy().length > 0 && Date.now() < deadline && !options.abort.aborted) {
    await new Promise((r) => setTimeout(r, 1000));
    await Promise.all(busy().map(async (node) => {
      const r = await run.session(node.name).run([hstsTransfers()], 'run-all');
      facts.get(node.name)!.transfers = parseTransfers(r.results[0]?.output ?? '');
    }));
  }
}
