import { hostname } from 'node:os';
import type { Inventory } from '../../inventory/load.js';
import type { HostKeyPolicy } from '../../ssh/connection.js';
import type { Progress } from '../../ui/progress.js';
import { connect } from '../../runner/engine/connect.js';
import { closeRun, runResult } from '../../runner/engine/finish.js';
import { lockHolder } from '../../runner/engine/lock.js';
import { rollbackTask } from '../../runner/engine/rollback.js';
import { Run } from '../../runner/engine/run.js';
import {
  acquireLockCommand, describeHolder, listRunsCommand, parseHolder, parseRunList, readHolderCommand, readSnapshotCommand, type RunList,
} from '../../runner/node-state.js';
import type { RunResult } from '../../runner/result.js';
import { checkSnapshot } from '../../runner/snapshot-check.js';
import { stateRefusal } from '../../remote/state-dir.js';

export interface RollbackRunOptions {
  run?: string;
  forks: number;
  hostKeys: HostKeyPolicy;
  breakLock: boolean;
  commandTimeoutMs: number;
  journalDir: string;
  progress: Progress;
  log: (line: string) => void;
}

const UNFINISHED = new Set(['applying', 'rollback-failed']);

/** What each reachable node holds: its runs with their state, and the holder of its run lock. */
interface NodeRecords {
  runs: Map<string, RunList>;
  holders: Map<string, string>;
  /** Nodes whose state directory failed its check (state-dir.ts): nothing there is read. */
  refused: Map<string, string>;
}

/**
 * `hsts-cluster rollback`: after a controller died mid-run, roll every node back to the snapshot it
 * holds of that run (the newest unfinished one unless --run names one), then check it. Whichever
 * command made the run (up, add-transfer-user), the snapshot says what to read and put back.
 */
export async function runRollback(inventory: Inventory, options: RollbackRunOptions): Promise<RunResult> {
  const run = new Run('rollback', inventory, { ...options, verbose: false });
  run.emit({ event: 'run-start', command: 'rollback', inventory: inventory.path, run: options.run ?? null });
  await connect(run, options, `hsts-cluster:${run.id}:recover`);
  try {
    await rollbackProcedure(run, options);
    return runResult(run, 'rollback');
  } finally {
    await closeRun(run);
  }
}

async function rollbackProcedure(run: Run, options: RollbackRunOptions): Promise<void> {
  for (const [name, message] of run.unreachable) {
    run.nodeUnreachable(name, message);
    run.errors.push(`${name}: ${message}`);
  }
  const records = await readNodeRecords(run);
  if (records.refused.size > 0) {
    for (const [name, why] of records.refused) {
      run.nodeFailed(name, why);
      run.errors.push(`${name}: ${why}; nothing was changed`);
    }
    return;
  }
  const target = options.run ?? newestUnfinished(records);
  if (!target) {
    run.io.log('nothing to undo: no node holds an unfinished run');
    return;
  }
  run.reportedRun = target;
  const holding = [...records.runs].filter(([, m]) => m.has(target)).map(([name]) => name);
  if (holding.length === 0) {
    run.errors.push(`no reachable node holds a snapshot of run ${target}`);
    return;
  }
  const finished = holding.map((n) => records.runs.get(n)!.get(target)).filter((s) => !UNFINISHED.has(s ?? ''));
  if (options.run && finished.length === holding.length) run.warnings.push(`run ${target} had finished (${finished[0]}); restoring the state from before it`);
  if (run.unreachable.size > 0) run.errors.push(`not every node is reachable; run rollback --run ${target} again once they are`);
  if (!(await lockHoldingNodes(run, holding, records.holders, target, options.breakLock))) return;
  await rollBackFromSnapshots(run, holding, target, options);
}

async function readNodeRecords(run: Run): Promise<NodeRecords> {
  const records: NodeRecords = { runs: new Map(), holders: new Map(), refused: new Map() };
  await Promise.all([...run.sessions].map(async ([name, session]) => {
    const r = await session.run([listRunsCommand(), readHolderCommand()], 'run-all');
    const refusal = r.results.map((x) => stateRefusal(x.output)).find(Boolean);
    if (refusal) {
      records.refused.set(name, refusal);
      return;
    }
    records.runs.set(name, parseRunList(r.results[0]?.output ?? ''));
    const holder = r.results[1]?.output.trim();
    if (holder) records.holders.set(name, holder);
  }));
  return records;
}

function newestUnfinished(records: NodeRecords): string | undefined {
  const unfinished = [...records.runs.values()].flatMap((m) => [...m].filter(([, state]) => UNFINISHED.has(state)).map(([run]) => run));
  return unfinished.sort().at(-1);
}

/** The lock: take it, or take it over from the dead run being rolled back; anything else refuses. False: stop. */
async function lockHoldingNodes(run: Run, holding: string[], holders: Map<string, string>, target: string, breakLock: boolean): Promise<boolean> {
  const holder = lockHolder(run);
  for (const name of holding) {
    const current = holders.get(name);
    const takeOver = current !== undefined && (breakLock || holderGone(current, target));
    if (current && !takeOver) {
      run.nodeFailed(name, `the run lock is held by ${describeHolder(current)}`);
      run.errors.push(`${name}: the run lock is held by ${describeHolder(current)} (use --break-lock if its controller is gone)`);
      continue;
    }
    const r = await run.session(name).run([acquireLockCommand(holder, takeOver)], 'run-all');
    if (r.results[0]?.exitCode === 0) run.locked.add(name);
    else run.errors.push(`${name}: could not take the run lock: ${r.results[0]?.output ?? r.failure?.output}`);
  }
  return !(run.errors.length > 0 && run.locked.size < holding.length);
}

/** Whether a lock may be taken over: its holder is the run we roll back and that run is gone. */
function holderGone(holderJson: string, target: string): boolean {
  const holder = parseHolder(holderJson);
  if (!holder || holder.run !== target) return false;
  return holder.host !== hostname() || !processAlive(holder.pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function rollBackFromSnapshots(run: Run, holding: string[], target: string, options: RollbackRunOptions): Promise<void> {
  const readSnapshot = (name: string) => async () => {
    const read = await run.session(name).run([readSnapshotCommand(target)], 'stop-on-error');
    if (read.failure) throw new Error(`cannot read the snapshot: ${read.failure.output}`);
    return checkSnapshot(read.results[0]!.output, { run: target, node: name, inventory: run.inventory });
  };
  const tasks = holding.map((name) => rollbackTask(run, name, readSnapshot(name), options, 'already as it was'));
  const outcomes = await run.phase(`Roll the nodes back to run ${target}'s snapshots`, tasks);
  for (const o of outcomes) {
    if (o.error) run.nodeRollbackFailed(o.node, o.error.message);
    else run.nodeRolledBack(o.node, { changed: o.result?.status === 'changed' });
  }
}
