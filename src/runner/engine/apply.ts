import type { Change, PlanOptions, Roles } from '../../steps/types.js';
import type { NodeTask, NodeTaskOutcome } from '../../ui/progress.js';
import { readinessCommands, type NodePlan } from '../planner.js';
import type { Phase, Playbook } from '../playbook.js';
import { describeFailure } from './failure.js';
import type { Run } from './run.js';

export interface ApplyOptions {
  plan: PlanOptions;
  commandTimeoutMs: number;
  /** Ctrl-C: no new phase (or group of nodes) starts. */
  abort: AbortSignal;
}

type PhaseTask = NodeTask & { plan: NodePlan };

/**
 * Apply, phase by phase: phases in playbook order, the nodes of a phase in parallel, a barrier
 * between phases; a `primary-first` phase runs the primary alone first. Pre-flight is not applied:
 * its checks ran with the plan, which would have stopped the run. False when a node failed or
 * Ctrl-C came: the caller restores every changed node.
 */
export async function applyPhases(run: Run, playbook: Playbook, plans: NodePlan[], roles: Roles, options: ApplyOptions): Promise<boolean> {
  for (const phase of playbook.phases.filter((p) => p.step.id !== 'preflight')) {
    const tasks = plans.map((plan) => phaseTask(run, phase, plan, roles, options)).filter((t): t is PhaseTask => t !== null);
    for (const plan of plans) {
      if (!tasks.some((t) => t.node === plan.node.name)) run.recap(plan.node.name).ok++;
    }
    const groups = phase.order === 'primary-first'
      ? [tasks.filter((t) => t.plan.node === roles.primary), tasks.filter((t) => t.plan.node !== roles.primary)]
      : [tasks];
    for (const [i, group] of groups.entries()) {
      if (group.length === 0) continue;
      if (options.abort.aborted) return interrupted(run);
      const title = groups.length > 1 ? `${phase.step.title}: ${i === 0 ? 'primary' : 'replicas'}` : phase.step.title;
      const started = Date.now();
      const outcomes = await run.phase(title, group);
      recordOutcomes(run, phase, outcomes, Date.now() - started);
      if (run.failNodes(outcomes, 'step')) return false;
    }
    if (tasks.length > 0 && options.abort.aborted) return interrupted(run);
  }
  return true;
}

function recordOutcomes(run: Run, phase: Phase, outcomes: NodeTaskOutcome[], durationMs: number): void {
  for (const o of outcomes) {
    run.emit({ event: 'step-result', node: o.node, step: phase.step.id, result: o.error ? 'failed' : o.result!.status, durationMs, error: o.error?.message });
    if (o.result?.status === 'changed') run.recap(o.node).changed++;
    else if (o.result) run.recap(o.node).ok++;
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
  const checks = readinessCommands(run.inventory, phase.step, roles, plan, options.plan);
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
