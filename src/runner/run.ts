import { hostname, userInfo } from 'node:os';
import { randomBytes } from 'node:crypto';
import { RolesError, resolveRoles } from '../hsts/roles.js';
import type { Inventory } from '../inventory/load.js';
import type { HostKeyPolicy } from '../ssh/connection.js';
import type { CommandResult, RemoteCommand } from '../ssh/remote-script.js';
import type { NodeSession } from '../ssh/session.js';
import type { Change, NodeFacts, Roles } from '../steps/types.js';
import type { NodeTask, Progress } from '../ui/progress.js';
import { factNeeds, gatherFacts, runningRedis } from './facts.js';
import { Journal } from './journal.js';
import {
  acquireLockCommand, applyTag, describeHolder, releaseLockCommand, saveSnapshotCommand, setRunStateCommand, type LockHolder,
} from './node-state.js';
import { changeCount, planCluster, verifyCommands, type NodePlan } from './planner.js';
import type { Phase, Playbook } from './playbook.js';
import { exitCodeFor, newRecap, totals, type NodeRecap, type RunResult } from './result.js';
import { saveRedisDataCommand } from './redis-data.js';
import { rollbackNode } from './rollback.js';
import { closeSessions, openSessions } from './sessions.js';
import { runDir, takeSnapshot, type Snapshot } from './snapshot.js';

export interface RunOptions {
  mode: 'apply' | 'plan';
  forks: number;
  hostKeys: HostKeyPolicy;
  /** 0: refuse while transfers run; else wait up to this many seconds for them to end. */
  waitTransfersS: number;
  waitTimeoutMs: number;
  commandTimeoutMs: number;
  /** add-transfer-user --create: make missing OS users. */
  createUsers?: boolean;
  breakLock: boolean;
  verbose: boolean;
  journalDir: string;
  progress: Progress;
  log: (line: string) => void;
  /** Ctrl-C: no new work starts, what is in flight ends, then every changed node is restored. */
  abort: AbortSignal;
}

export function newRunId(): string {
  return `${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(2).toString('hex')}`;
}

function describeFailure(label: string, exitCode: number, output: string): string {
  const text = output.trim().split('\n').slice(-6).join('\n    ');
  return `${label}: exit ${exitCode}${text ? `\n    ${text}` : ''}`;
}

/** Runs a playbook on every node: plan (touch nothing) or apply (with snapshot, lock and rollback). */
export async function runPlaybook(inventory: Inventory, playbook: Playbook, options: RunOptions): Promise<RunResult> {
  const run = newRunId();
  const started = Date.now();
  const journal = new Journal(options.journalDir, run);
  const recaps = new Map(inventory.nodes.map((n) => [n.name, newRecap(n.name)]));
  const recap = (name: string) => recaps.get(name)!;
  const warnings = [...inventory.warnings];
  const errors: string[] = [];
  const steps = playbook.phases.map((p) => p.step);
  let primary: string | undefined;
  journal.write({ event: 'run-start', command: playbook.name, mode: options.mode, inventory: inventory.path, nodes: inventory.nodes.map((n) => n.name) });

  const onCommand = (node: string, command: RemoteCommand, result?: CommandResult) => {
    if (result) {
      journal.write({ event: 'result', node, command: command.label, exitCode: result.exitCode, durationMs: result.durationMs });
      if (options.verbose && result.durationMs >= 100) options.log(`[${node}]   (${result.durationMs} ms)`);
      return;
    }
    journal.write({ event: 'command', node, command: command.label });
    if (options.verbose) options.log(`[${node}] $ ${command.label}`);
  };
  const { sessions, failures } = await openSessions(inventory, {
    policy: options.hostKeys,
    forks: options.forks,
    onNewHostKey: (message) => { warnings.push(message); options.log(message); },
  }, onCommand);
  for (const session of sessions.values()) session.tag = applyTag(run);
  const showPhase = (title: string, tasks: NodeTask[]) => {
    for (const session of sessions.values()) session.wave = title;
    return options.progress.phase(title, tasks);
  };
  const locked = new Set<string>();
  const snapshots = new Map<string, Snapshot>();

  const finish = (): RunResult => {
    const nodes = [...recaps.values()];
    const result: RunResult = {
      run,
      command: playbook.name,
      exitCode: exitCodeFor(nodes, errors),
      nodes,
      totals: totals(nodes),
      warnings,
      errors,
      journal: journal.path,
      durationMs: Date.now() - started,
    };
    if (primary) result.primary = primary;
    journal.write({ event: 'run-end', exitCode: result.exitCode, totals: result.totals, durationMs: result.durationMs, errors });
    return result;
  };

  try {
    if (failures.size > 0) {
      for (const [name, message] of failures) {
        Object.assign(recap(name), { status: 'unreachable', failed: 1, error: message });
        journal.write({ event: 'connect', node: name, result: 'failed', error: message });
      }
      for (const name of sessions.keys()) recap(name).status = 'not-started';
      errors.push('pre-flight failed: not every node could be reached; nothing was changed');
      return finish();
    }
    const session = (name: string) => sessions.get(name)!;
    const nodes = inventory.nodes;

    // Facts (and the run lock), one round trip per node plus one to the running Redis and Sentinel.
    const holder: LockHolder = {
      run, command: playbook.name, user: userInfo().username, host: hostname(), pid: process.pid, since: new Date().toISOString(),
    };
    const lock = acquireLockCommand(holder, options.breakLock);
    const lockFailure = (output: string) => new Error(`the run lock is held by ${describeHolder(output.replace(/^held by: /, ''))}`);
    if (options.mode === 'apply') {
      // The first node's lock decides between two runs started at once: the loser takes no other lock.
      const first = await session(nodes[0]!.name).run([lock], 'run-all');
      const result = first.results[0];
      if (!result || result.exitCode !== 0) {
        failNodes([{ node: nodes[0]!.name, error: lockFailure(result?.output ?? first.failure?.output ?? 'no answer') }], 'pre-flight');
        return finish();
      }
      locked.add(nodes[0]!.name);
    }
    const facts = new Map<string, NodeFacts>();
    const factOutcomes = await showPhase(
      options.mode === 'apply' ? 'Take the run lock and gather facts' : 'Gather facts',
      nodes.map((node) => ({
        node: node.name,
        run: async () => {
          const takeLock = options.mode === 'apply' && !locked.has(node.name);
          const gathered = await gatherFacts(session(node.name), inventory, factNeeds(steps, inventory, node), takeLock ? [lock] : []);
          facts.set(node.name, gathered.facts);
          const lockResult = gathered.before[0];
          if (lockResult) {
            if (lockResult.exitCode !== 0) throw lockFailure(lockResult.output);
            locked.add(node.name);
          }
          if (options.mode === 'plan' && gathered.facts.lockHolder) {
            warnings.push(`${node.name}: a run is in progress: ${describeHolder(gathered.facts.lockHolder)}`);
          }
          return { status: 'ok' };
        },
      })),
    );
    if (failNodes(factOutcomes, 'pre-flight')) return finish();

    await waitForTransfers(inventory, sessions, facts, options);

    let roles: Roles;
    try {
      roles = resolveRoles(inventory, facts);
    } catch (e) {
      if (!(e instanceof RolesError)) throw e;
      errors.push(`pre-flight failed: ${e.message}; nothing was changed`);
      return finish();
    }
    primary = roles.primary.name;
    warnings.push(...roles.warnings);
    for (const w of roles.warnings) options.log(`warning: ${w}`);
    journal.write({ event: 'roles', primary: roles.primary.name, reason: roles.reason });

    const plans = planCluster(inventory, playbook.phases, roles, facts, planOptions(options));
    const problems = plans.flatMap((p) => p.problems.map((problem) => `${p.node.name}: ${problem}`));
    if (problems.length > 0) {
      for (const p of plans) {
        if (p.problems.length > 0) Object.assign(recap(p.node.name), { status: 'failed', failed: 1, error: p.problems.join('; ') });
      }
      errors.push(...problems, 'pre-flight failed; nothing was changed');
      journal.write({ event: 'preflight', result: 'failed', problems });
      return finish();
    }
    for (const p of plans) recordPlan(recap(p.node.name), p, options.mode === 'plan');
    if (options.mode === 'plan') return finish();

    // Snapshot every node that will change, before its first change.
    const changing = plans.filter((p) => changeCount(p) > 0);
    const snapshotOutcomes = changing.length === 0 ? [] : await showPhase('Snapshot nodes that will change', changing.map((p) => ({
      node: p.node.name,
      run: async () => {
        const touches = [...p.changes.values()].flat().flatMap((c) => c.touches);
        const snapshot = takeSnapshot(run, p.node.name, inventory.cluster.nodedUser, p.facts, touches);
        const commands = [saveSnapshotCommand(snapshot)];
        if (snapshot.redisData) commands.push(saveRedisDataCommand(runDir(run), snapshot.redisData.rdb, runningRedis(p.facts, inventory.cluster)));
        const saved = await session(p.node.name).run(commands, 'stop-on-error', options.commandTimeoutMs);
        if (saved.failure) throw new Error(describeFailure(saved.failure.label, saved.failure.exitCode, saved.failure.output));
        snapshots.set(p.node.name, snapshot);
        return { status: 'ok' };
      },
    })));
    if (failNodes(snapshotOutcomes, 'snapshot')) {
      await rollbackAll();
      return finish();
    }

    const failed = await applyPhases(plans, roles);
    if (failed) {
      await rollbackAll();
      return finish();
    }
    await Promise.all([...snapshots.keys()].map((name) => session(name).run([setRunStateCommand(run, 'done')], 'run-all').catch(() => undefined)));
    for (const p of plans) {
      const r = recap(p.node.name);
      r.status = r.changed > 0 ? 'changed' : 'ok';
    }
    return finish();
  } finally {
    await Promise.all([...locked].map((name) =>
      sessions.get(name)?.run([releaseLockCommand(run)], 'run-all').catch(() => undefined) ?? Promise.resolve()));
    closeSessions(sessions);
  }

  function failNodes(outcomes: { node: string; error?: Error }[], stage: string): boolean {
    const bad = outcomes.filter((o) => o.error);
    for (const o of bad) {
      const message = o.error!.message;
      Object.assign(recap(o.node), { status: 'failed', failed: recap(o.node).failed + 1, error: message });
      errors.push(`${o.node}: ${message}`);
      journal.write({ event: stage, node: o.node, result: 'failed', error: message });
    }
    if (bad.length > 0 && stage === 'pre-flight') errors.push('pre-flight failed; nothing was changed');
    return bad.length > 0;
  }

  /** Phases in playbook order, nodes in parallel, a barrier between phases. True when something failed. */
  async function applyPhases(plans: NodePlan[], roles: Roles): Promise<boolean> {
    for (const phase of playbook.phases) {
      if (phase.step.id === 'preflight') continue;
      const tasks = plans.map((plan) => phaseTask(phase, plan, roles)).filter((t): t is NodeTask & { plan: NodePlan } => t !== null);
      for (const plan of plans) {
        if (!tasks.some((t) => t.node === plan.node.name)) recap(plan.node.name).ok++;
      }
      if (tasks.length === 0) continue;
      const groups = phase.order === 'primary-first'
        ? [tasks.filter((t) => t.plan.node === roles.primary), tasks.filter((t) => t.plan.node !== roles.primary)]
        : [tasks];
      for (const [i, group] of groups.entries()) {
        if (group.length === 0) continue;
        if (options.abort.aborted) return interrupted();
        const title = groups.length > 1 ? `${phase.step.title}: ${i === 0 ? 'primary' : 'replicas'}` : phase.step.title;
        const started = Date.now();
        const outcomes = await showPhase(title, group);
        for (const o of outcomes) {
          journal.write({ event: 'step', node: o.node, step: phase.step.id, result: o.error ? 'failed' : o.result!.status, durationMs: Date.now() - started, error: o.error?.message });
        }
        if (failNodes(outcomes, 'step')) return true;
      }
      if (options.abort.aborted) return interrupted();
    }
    return false;
  }

  function interrupted(): boolean {
    errors.push('interrupted (Ctrl-C): no new step was started; restoring every changed node');
    journal.write({ event: 'interrupted' });
    return true;
  }

  function phaseTask(phase: Phase, plan: NodePlan, roles: Roles): (NodeTask & { plan: NodePlan }) | null {
    const changes: Change[] = plan.changes.get(phase.step.id) ?? [];
    const checks = verifyCommands(inventory, phase.step, roles, plan, planOptions(options));
    if (changes.length === 0 && checks.length === 0) return null;
    const name = plan.node.name;
    return {
      node: name,
      plan,
      run: async () => {
        const commands = [...changes.flatMap((c) => c.commands), ...checks];
        // Checks only read (and wait): they run side by side. Changes run in order, none after a failure.
        const mode = changes.length === 0 ? 'parallel' : 'stop-on-error';
        const result = await sessions.get(name)!.run(commands, mode, options.commandTimeoutMs);
        if (result.failure) {
          throw new Error(`${phase.step.id}: ${describeFailure(result.failure.label, result.failure.exitCode, result.failure.output)}`);
        }
        if (changes.length === 0) {
          recap(name).ok++;
          return { status: 'ok', detail: `${checks.length} check(s) passed` };
        }
        recap(name).changed++;
        return { status: 'changed', detail: changes.map((c) => c.summary).join('; ') };
      },
    };
  }

  async function rollbackAll(): Promise<void> {
    if (snapshots.size === 0) return;
    journal.write({ event: 'rollback-start', nodes: [...snapshots.keys()] });
    const outcomes = await showPhase('Roll back: restore every changed node', [...snapshots.entries()].map(([name, snapshot]) => ({
      node: name,
      run: async () => {
        const r = await rollbackNode(inventory, sessions, name, snapshot, options);
        journal.write({ event: 'rollback', node: name, result: r.ok ? 'restored' : 'failed', left: r.left });
        if (!r.ok) throw new Error(r.left.join('; '));
        return { status: r.commands > 0 ? 'changed' : 'ok', detail: r.commands > 0 ? 'restored' : 'nothing to undo' };
      },
    })));
    for (const o of outcomes) {
      const r = recap(o.node);
      if (o.error) {
        r.status = 'rollback-failed';
        r.error = `${r.error ? `${r.error}\n  ` : ''}rollback failed, left: ${o.error.message}. ` +
          `Fix the cause, then run: hsts-cluster rollback -i ${inventory.path} --run ${run}`;
      } else if (r.status === 'failed') {
        r.error = `${r.error}\n  (this node was restored as well)`;
      } else {
        r.status = 'rolled-back';
      }
    }
  }
}

function planOptions(options: RunOptions) {
  return { waitTimeoutMs: options.waitTimeoutMs, createUsers: Boolean(options.createUsers) };
}

function recordPlan(recap: NodeRecap, plan: NodePlan, asPlan: boolean): void {
  for (const changes of plan.changes.values()) {
    for (const change of changes) {
      const entry: NodeRecap['changes'][number] = { step: change.step, summary: change.summary, commands: change.commands.map((c) => c.label) };
      if (change.diff) entry.diff = change.diff;
      recap.changes.push(entry);
    }
  }
  if (asPlan) {
    const stepsWithChanges = [...plan.changes.values()].filter((c) => c.length > 0).length;
    recap.changed = stepsWithChanges;
    recap.ok = plan.changes.size - stepsWithChanges;
    recap.status = stepsWithChanges > 0 ? 'would-change' : 'ok';
  }
}

async function waitForTransfers(inventory: Inventory, sessions: Map<string, NodeSession>, facts: Map<string, NodeFacts>, options: RunOptions): Promise<void> {
  const busy = () => inventory.nodes.filter((n) => facts.get(n.name)!.transfers.length > 0);
  if (options.waitTransfersS <= 0 || busy().length === 0) return;
  const deadline = Date.now() + options.waitTransfersS * 1000;
  options.log(`waiting up to ${options.waitTransfersS} s for transfers to end on ${busy().map((n) => n.name).join(', ')}`);
  while (busy().length > 0 && Date.now() < deadline && !options.abort.aborted) {
    await new Promise((r) => setTimeout(r, 1000));
    await Promise.all(busy().map(async (node) => {
      const r = await sessions.get(node.name)!.run([{ label: 'pgrep -a -x ascp', code: 'pgrep -a -x ascp || true' }], 'run-all');
      facts.get(node.name)!.transfers = (r.results[0]?.output ?? '').split('\n').filter(Boolean);
    }));
  }
}

