import { hostname, userInfo } from 'node:os';
import type { Inventory } from '../inventory/load.js';
import type { HostKeyPolicy } from '../ssh/connection.js';
import type { NodeSession } from '../ssh/session.js';
import type { NodeTask, Progress } from '../ui/progress.js';
import { Journal } from './journal.js';
import {
  LOCK, acquireLockCommand, describeHolder, listRunsCommand, readSnapshotCommand, releaseLockCommand, type LockHolder,
} from './node-state.js';
import { newRecap, totals, type RunResult } from './result.js';
import { EXIT } from '../util/errors.js';
import { rollbackNode } from './rollback.js';
import { newRunId } from './run.js';
import { closeSessions, openSessions } from './sessions.js';
import { parseSnapshot } from './snapshot.js';

export interface RecoverOptions {
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

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether a lock may be taken over: its holder is the run we restore and that run is gone. */
function holderGone(holderJson: string, run: string): boolean {
  try {
    const holder = JSON.parse(holderJson) as LockHolder;
    if (holder.run !== run) return false;
    return holder.host !== hostname() || !processAlive(holder.pid);
  } catch {
    return false;
  }
}

/**
 * `hsts-cluster rollback`: after a controller died mid-run, restore every node from the snapshot it
 * holds for that run (the newest unfinished one unless --run names one), then check it. Whichever
 * command made the run (up, add-transfer-user), the snapshot says what to read and restore.
 */
export async function recoverRun(inventory: Inventory, options: RecoverOptions): Promise<RunResult> {
  const started = Date.now();
  const id = newRunId();
  const journal = new Journal(options.journalDir, id);
  const recaps = new Map(inventory.nodes.map((n) => [n.name, newRecap(n.name)]));
  const errors: string[] = [];
  const warnings: string[] = [];
  const { sessions, failures } = await openSessions(inventory, { policy: options.hostKeys, forks: options.forks });
  for (const session of sessions.values()) session.tag = `hsts-cluster:${id}:recover`;
  const finish = (run?: string): RunResult => {
    const nodes = [...recaps.values()];
    // Here a node restored is success; a restore that failed is exit 3, anything else wrong exit 1.
    const exitCode = nodes.some((n) => n.status === 'rollback-failed') ? EXIT.rollbackFailed
      : errors.length > 0 || nodes.some((n) => n.status === 'failed' || n.status === 'unreachable') ? EXIT.failed : EXIT.ok;
    const result: RunResult = {
      run: run ?? id, command: 'rollback', exitCode, nodes, totals: totals(nodes),
      warnings, errors, journal: journal.path, durationMs: Date.now() - started,
    };
    journal.write({ event: 'run-end', exitCode: result.exitCode, errors });
    return result;
  };
  journal.write({ event: 'run-start', command: 'rollback', inventory: inventory.path, run: options.run ?? null });
  const locked = new Set<string>();
  let target: string | undefined;
  try {
    for (const [name, message] of failures) {
      Object.assign(recaps.get(name)!, { status: 'unreachable', failed: 1, error: message });
      errors.push(`${name}: ${message}`);
    }
    // Which runs each node holds, and who holds its lock.
    const runs = new Map<string, Map<string, string>>();
    const holders = new Map<string, string>();
    await Promise.all([...sessions].map(async ([name, session]) => {
      const r = await session.run([listRunsCommand(), { label: `read ${LOCK}/holder.json`, code: `cat ${LOCK}/holder.json 2>/dev/null || true` }], 'run-all');
      runs.set(name, new Map((r.results[0]?.output ?? '').split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string])));
      const holder = r.results[1]?.output.trim();
      if (holder) holders.set(name, holder);
    }));
    target = options.run;
    if (!target) {
      const unfinished = [...runs.values()].flatMap((m) => [...m].filter(([, state]) => UNFINISHED.has(state)).map(([run]) => run));
      target = unfinished.sort().at(-1);
    }
    if (!target) {
      options.log('nothing to undo: no node holds an unfinished run');
      return finish();
    }
    const holding = [...runs].filter(([, m]) => m.has(target!)).map(([name]) => name);
    if (holding.length === 0) {
      errors.push(`no reachable node holds a snapshot of run ${target}`);
      return finish(target);
    }
    const states = holding.map((n) => runs.get(n)!.get(target!)).filter((s) => !UNFINISHED.has(s ?? ''));
    if (options.run && states.length === holding.length) warnings.push(`run ${target} had finished (${states[0]}); restoring the state from before it`);
    if (failures.size > 0) errors.push(`not every node is reachable; run rollback --run ${target} again once they are`);

    // The lock: take it, or take it over from the dead run being restored; anything else refuses.
    const holder: LockHolder = { run: id, command: 'rollback', user: userInfo().username, host: hostname(), pid: process.pid, since: new Date().toISOString() };
    for (const name of holding) {
      const current = holders.get(name);
      const takeOver = current !== undefined && (options.breakLock || holderGone(current, target));
      if (current && !takeOver) {
        Object.assign(recaps.get(name)!, { status: 'failed', failed: 1, error: `the run lock is held by ${describeHolder(current)}` });
        errors.push(`${name}: the run lock is held by ${describeHolder(current)} (use --break-lock if its controller is gone)`);
        continue;
      }
      const r = await sessions.get(name)!.run([acquireLockCommand(holder, takeOver)], 'run-all');
      if (r.results[0]?.exitCode === 0) locked.add(name);
      else errors.push(`${name}: could not take the run lock: ${r.results[0]?.output ?? r.failure?.output}`);
    }
    if (errors.length > 0 && locked.size < holding.length) return finish(target);

    const tasks: NodeTask[] = holding.map((name) => ({
      node: name,
      run: async () => {
        const session = sessions.get(name) as NodeSession;
        const read = await session.run([readSnapshotCommand(target!)], 'stop-on-error');
        if (read.failure) throw new Error(`cannot read the snapshot: ${read.failure.output}`);
        const snapshot = parseSnapshot(read.results[0]!.output);
        const restored = await rollbackNode(inventory, sessions, name, snapshot, options);
        journal.write({ event: 'rollback', node: name, run: target, result: restored.ok ? 'restored' : 'failed', left: restored.left });
        if (!restored.ok) throw new Error(restored.left.join('; '));
        recaps.get(name)!.changed = restored.commands > 0 ? 1 : 0;
        recaps.get(name)!.ok = restored.commands > 0 ? 0 : 1;
        return { status: restored.commands > 0 ? 'changed' : 'ok', detail: restored.commands > 0 ? 'restored' : 'already as it was' };
      },
    }));
    const outcomes = await options.progress.phase(`Restore the nodes from run ${target}'s snapshots`, tasks);
    for (const o of outcomes) {
      const r = recaps.get(o.node)!;
      if (o.error) Object.assign(r, { status: 'rollback-failed', failed: 1, error: `left: ${o.error.message}` });
      else r.status = 'rolled-back';
    }
    return finish(target);
  } finally {
    await Promise.all([...locked].map((name) => sessions.get(name)?.run([releaseLockCommand(id)], 'run-all').catch(() => undefined) ?? Promise.resolve()));
    closeSessions(sessions);
  }
}
