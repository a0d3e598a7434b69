import type { RemoteCommand } from '../../ssh/remote-script.js';
import type { Change, PlanOptions, Roles } from '../../steps/types.js';
import type { NodeTask, NodeTaskOutcome } from '../../ui/progress.js';
import type { NodePlan } from '../planner.js';
import type { Phase, Playbook } from '../playbook.js';
import { describeFailure } from './failure.js';
import type { Run } from './run.js';

/** Nodes applied together, every phase but verify, before the next group starts (a membership change). */
export interface ApplyGroup {
  nodes: string[];
  /** False: the group runs only its `after` commands (a detach, a SENTINEL RESET), no playbook phase. */
  phases?: boolean;
  /** Run on the group's first node once its phases are done: checks (read-only) or changes, as `title` says. */
  after?: RemoteCommand[];
  /** 'changes': the after commands change something and run in order, none after a failure. */
  afterKind?: 'checks' | 'changes';
  title?: string;
}

export interface ApplyOptions {
  plan: PlanOptions;
  commandTimeoutMs: number;
  /** Ctrl-C: no new phase (or group of nodes) starts. */
  abort: AbortSignal;
  /** Absent: every node together, phase by phase (a first up, an unchanged cluster). */
  groups?: ApplyGroup[];
}

type PhaseTask = NodeTask & { plan: NodePlan };

/**
 * Apply, phase by phase: phases in playbook order, the nodes of a phase in parallel, a barrier
 * between phases; a `primary-first` phase runs the primary alone first. Pre-flight is not applied:
 * its checks ran with the plan, which would have stopped the run. With groups (a membership
 * change), each group goes through every phase but verify before the next starts, then every node
 * is verified together. False when a node failed or Ctrl-C came: the caller rolls back every changed node.
 */
export async function applyPhases(run: Run, playbook: Playbook, plans: NodePlan[], roles: Roles, options: ApplyOptions): Promise<boolean> {
  const phases = playbook.phases.filter((p) => p.step.id !== 'preflight');
  if (!options.groups) return applyGroup(run, phases, plans, roles, options);
  const last = phases.filter((p) => p.step.id === 'verify');
  for (const group of options.groups) {
    if (options.abort.aborted) return interrupted(run);
    const members = plans.filter((p) => group.nodes.includes(p.node.name));
    const own = group.phases === false ? [] : phases.filter((p) => !last.includes(p));
    if (!await applyGroup(run, own, members, roles, options, ` (${group.nodes.join(', ')})`)) return false;
    if (group.after && !await afterGroup(run, group, options)) return false;
  }
  return applyGroup(run, last, plans, roles, options);
}

async function applyGroup(run: Run, phases: Phase[], plans: NodePlan[], roles: Roles, options: ApplyOptions, suffix = ''): Promise<boolean> {
  for (const phase of phases) {
    const tasks = plans.map((plan) => phaseTask(run, phase, plan, roles, options)).filter((t): t is PhaseTask => t !== null);
    for (const plan of plans) {
      if (!tasks.some((t) => t.node === plan.node.name)) run.stepOk(plan.node.name);
    }
    const groups = phase.order === 'primary-first'
      ? [tasks.filter((t) => t.plan.node === roles.primary), tasks.filter((t) => t.plan.node !== roles.primary)]
      : [tasks];
    for (const [i, group] of groups.entries()) {
      if (group.length === 0) continue;
      if (options.abort.aborted) return interrupted(run);
      const title = (groups.length > 1 ? `${phase.step.title}: ${i === 0 ? 'primary' : 'replicas'}` : phase.step.title) + suffix;
      const started = Date.now();
      const outcomes = await run.phase(title, group);
      recordOutcomes(run, phase, outcomes, Date.now() - started);
      if (run.failNodes(outcomes, 'step')) return false;
    }
    releaseStep(plans, phase.step.id);
    if (tasks.length > 0 && options.abort.aborted) return interrupted(run);
  }
  return true;
}

/**
 * A step that ran is not read again (the recaps keep its summaries and diffs): its commands, which
 * carry whole files that list every node, are let go of rather than held to the end of the run.
 */
function releaseStep(plans: NodePlan[], stepId: string): void {
  for (const plan of plans) {
    if (plan.changes.has(stepId)) plan.changes.set(stepId, []);
    plan.checks.delete(stepId);
  }
}

async function afterGroup(run: Run, group: ApplyGroup, options: ApplyOptions): Promise<boolean> {
  const node = group.nodes[0]!;
  const changes = group.afterKind === 'changes';
  const outcomes = await run.phase(`${group.title ?? 'Membership checks'} (${node})`, [{
    node,
    run: async () => {
      const result = await run.session(node).run(group.after!, changes ? 'stop-on-error' : 'parallel', options.commandTimeoutMs);
      if (result.failure) throw new Error(`membership: ${describeFailure(result.failure)}`);
      return changes
        ? { status: 'changed', detail: group.title ?? 'membership' }
        : { status: 'ok', detail: `${group.after!.length} check(s) passed` };
    },
  }]);
  if (changes) for (const o of outcomes) if (!o.error) run.stepChanged(o.node);
  return !run.failNodes(outcomes, 'step');
}

function recordOutcomes(run: Run, phase: Phase, outcomes: NodeTaskOutcome[], durationMs: number): void {
  for (const o of outcomes) {
    run.emit({ event: 'step-result', node: o.node, step: phase.step.id, result: o.error ? 'failed' : o.result!.status, durationMs, error: o.error?.message });
    if (o.result?.status === 'changed') run.stepChanged(o.node);
    else if (o.result) run.stepOk(o.node);
  }
}

function interrupted(run: Run): false {
  run.errors.push('interrupted (Ctrl-C): no new step was started; restoring every changed node');
  run.emit({ event: 'interrupted' });
  return false;
}

/** One node's work in a phase: its changes in order, then the step's read-only checks. Null: nothing to do. */
function phaseTask(run: Run, phase: Phase, plan: NodePlan, roles: Roles, options: ApplyOptions): PhaseTask | null {
  const changes: Change[] = plan.changes.get(phase.step.id) ?? [];
  const checks = plan.checks.get(phase.step.id) ?? [];
  if (changes.length === 0 && checks.length === 0) return null;
  return {
    node: plan.node.name,
    plan,
    run: async () => {
      const commands = [...changes.flatMap((c) => c.commands), ...checks];
      // Checks only read (and wait): they run side by side. Changes run in order, none after a failure.
      const mode = changes.length === 0 ? 'parallel' : 'stop-on-error';
      const result = await run.session(plan.node.name).run(commands, mode, options.commandTimeoutMs);
      if (result.failure) throw new Error(`${phase.step.id}: ${describeFailure(result.failure)}`);
      if (changes.length === 0) return { status: 'ok', detail: `${checks.length} check(s) passed` };
      return { status: 'changed', detail: changes.map((c) => c.summary).join('; ') };
    },
  };
}
