import type { Inventory } from '../inventory/load.js';
import type { PlanOptions } from '../steps/types.js';
import { applyPhases } from './engine/apply.js';
import { connect, everyNodeReached } from './engine/connect.js';
import { closeRun, runResult } from './engine/finish.js';
import { lockAndGather } from './engine/gather.js';
import { decideRoles, planRun } from './engine/plan.js';
import { rollBackChangedNodes } from './engine/rollback.js';
import { Run } from './engine/run.js';
import type { ProcedureOptions } from './engine/procedure-run.js';
import { snapshotChangingNodes } from './engine/snapshot.js';
import { leaveFirst } from './membership/leave.js';
import { decideMembership, membershipGroups } from './membership/change.js';
import { applyTag, listRunsCommand, parseRunList, setRunStateCommand } from './node-state.js';
import { DEFAULT_KEEP_RUNS, removeRunsCommand, runsToPrune } from './retention.js';
import type { NodePlan } from './planner.js';
import type { Playbook } from './playbook.js';
import type { RunResult } from './result.js';

/** A playbook run's options: a procedure's (connection, IO, mode, lock, Ctrl-C) and the playbook's own. */
export interface RunOptions extends ProcedureOptions {
  /** 0: refuse while transfers run; else wait up to this many seconds for them to end. */
  waitTransfersS: number;
  waitTimeoutMs: number;
  commandTimeoutMs: number;
  /** add-transfer-user --create: make missing OS users, with this login shell. */
  createUsers?: { shell: string };
  /**
   * The run converges the cluster's membership (up): nodes that left the inventory leave first,
   * and Sentinels are made to count exactly the inventory's nodes. Required, so that no caller
   * leaves it out by accident (cli/run-options.ts says false, up's action true).
   */
  membership: boolean;
  /** Runs each changed node keeps (the newest; unfinished ones always); default DEFAULT_KEEP_RUNS. */
  keepRuns?: number;
  verbose: boolean;
}

/** Runs a playbook on every node: plan (touch nothing) or apply (with snapshot, lock and rollback). */
export async function runPlaybook(inventory: Inventory, playbook: Playbook, options: RunOptions): Promise<RunResult> {
  const run = new Run(playbook.name, inventory, options);
  run.warnings.push(...inventory.warnings);
  run.emit({ event: 'run-start', command: playbook.name, mode: options.mode, inventory: inventory.path, nodes: inventory.nodes.map((n) => n.name) });
  // The playbooks' facts hold the programs check (pre-flight refuses with the rest): not asked twice.
  await connect(run, options, applyTag(run.id), { checkPrograms: false });
  try {
    await playbookProcedure(run, playbook, options);
    return runResult(run, 'apply');
  } finally {
    await closeRun(run);
  }
}

/** The procedure; each phase records why it stopped the run in the run itself. */
async function playbookProcedure(run: Run, playbook: Playbook, options: RunOptions): Promise<void> {
  if (!everyNodeReached(run)) return;
  if (options.membership && !(await leaveFirst(run, options, applyTag(run.id))).proceed) return;
  // What the steps plan with decides some of what they read (the login shell of users to create).
  const planOptions: PlanOptions = { waitTimeoutMs: options.waitTimeoutMs, ...(options.createUsers ? { createUsers: options.createUsers } : {}) };
  const facts = await lockAndGather(run, playbook, options, planOptions);
  if (!facts) return;
  const roles = decideRoles(run, facts);
  if (!roles) return;
  const membership = options.membership ? decideMembership(run, facts, roles) : null;
  if (options.membership && !membership) return;
  const groups = membership?.kind === 'change' ? membershipGroups(run.inventory, membership, roles.primary.privateIp, options.waitTimeoutMs) : undefined;
  const plans = planRun(run, playbook, roles, facts, planOptions, options.mode);
  if (!plans || options.mode === 'plan') return;
  let applied = false;
  try {
    applied = await snapshotChangingNodes(run, plans, options.commandTimeoutMs) &&
      await applyPhases(run, playbook, plans, roles, { plan: planOptions, commandTimeoutMs: options.commandTimeoutMs, abort: options.abort, groups });
  } catch (e) {
    // A bug of ours must not leave nodes half-configured: roll them back as after any failure.
    run.errors.push(`internal error: ${(e as Error).message}; restoring every changed node`);
  }
  if (!applied) {
    await rollBackChangedNodes(run, options);
    return;
  }
  await markDone(run, plans, options.keepRuns ?? DEFAULT_KEEP_RUNS);
}

/**
 * Every changed node's run state says `done` (a later `rollback` skips it), and its runs beyond the
 * newest `keepRuns` are pruned (runsToPrune); each recap says changed or ok.
 */
async function markDone(run: Run, plans: NodePlan[], keepRuns: number): Promise<void> {
  await Promise.all([...run.snapshots.keys()].map(async (name) => {
    const r = await run.session(name).run([setRunStateCommand(run.id, 'done'), listRunsCommand()], 'run-all').catch(() => null);
    // Left 'applying', a later bare `rollback` would take this good run for a dead one and undo it.
    if (r?.results[0]?.exitCode !== 0) {
      run.warnings.push(`${name}: could not mark run ${run.id} done; do not run a bare \`rollback\` on it`);
      return;
    }
    const prune = runsToPrune(parseRunList(r.results[1]?.output ?? ''), keepRuns, run.id);
    if (prune.length === 0) return;
    const removed = await run.session(name).run([removeRunsCommand(prune)], 'run-all').catch(() => null);
    if (removed?.results[0]?.exitCode !== 0) run.warnings.push(`${name}: could not remove ${prune.length} old run(s) (--keep-runs ${keepRuns})`);
  }));
  for (const p of plans) run.nodeApplied(p.node.name);
}
