import type { NodeFacts } from '../../steps/types.js';
import type { NodeTask } from '../../ui/progress.js';
import { factNeeds, gatherFacts } from '../facts.js';
import { acquireLockCommand, describeHolder } from '../node-state.js';
import type { Playbook } from '../playbook.js';
import { lockHolder, lockRefusal } from './lock.js';
import type { Run } from './run.js';

export interface GatherOptions {
  mode: 'apply' | 'plan';
  breakLock: boolean;
  /** 0: refuse while transfers run; else wait up to this many seconds for them to end. */
  waitTransfersS: number;
  abort: AbortSignal;
}

/**
 * Lock and gather facts: apply takes the run lock on the first node alone (of two runs started at
 * once, the loser takes no other lock), then on the others in the same round trip as their probes.
 * Plan takes no lock and warns about a run in progress. Null when a node failed: the run stops.
 */
export async function lockAndGather(run: Run, playbook: Playbook, options: GatherOptions): Promise<Map<string, NodeFacts> | null> {
  const apply = options.mode === 'apply';
  const lock = acquireLockCommand(lockHolder(run), options.breakLock);
  const first = run.inventory.nodes[0]!.name;
  // Taken already when leaving nodes were detached first (membership-leave.ts).
  if (apply && !run.locked.has(first)) {
    const taken = await run.session(first).run([lock], 'run-all');
    const result = taken.results[0];
    if (!result || result.exitCode !== 0) {
      run.failNodes([{ node: first, error: lockRefusal(result?.output ?? taken.failure?.output ?? 'no answer') }], 'pre-flight');
      return null;
    }
    run.locked.add(first);
  }
  const facts = new Map<string, NodeFacts>();
  const steps = playbook.phases.map((p) => p.step);
  const tasks: NodeTask[] = run.inventory.nodes.map((node) => ({
    node: node.name,
    run: async () => {
      const takeLock = apply && !run.locked.has(node.name);
      const gathered = await gatherFacts(run.session(node.name), run.inventory, factNeeds(steps, run.inventory, node), takeLock ? [lock] : []);
      facts.set(node.name, gathered.facts);
      const lockResult = gathered.before[0];
      if (lockResult) {
        if (lockResult.exitCode !== 0) throw lockRefusal(lockResult.output);
        run.locked.add(node.name);
      }
      if (!apply && gathered.facts.lockHolder) {
        run.warnings.push(`${node.name}: a run is in progress: ${describeHolder(gathered.facts.lockHolder)}`);
      }
      return { status: 'ok' };
    },
  }));
  const outcomes = await run.phase(apply ? 'Take the run lock and gather facts' : 'Gather facts', tasks);
  if (run.failNodes(outcomes, 'pre-flight')) return null;
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
      const r = await run.session(node.name).run([{ label: 'pgrep -a -x ascp', code: 'pgrep -a -x ascp || true' }], 'run-all');
      facts.get(node.name)!.transfers = (r.results[0]?.output ?? '').split('\n').filter(Boolean);
    }));
  }
}
