/** Planning a playbook over built facts, and the parts of a plan the step tables compare. */
import { readFileSync } from 'node:fs';
import { planCluster, type NodePlan } from '../../src/runner/planner.js';
import { STEPS } from '../../src/steps/registry.js';
import type { Change, NodeFacts, PlanOptions, ResourceRef } from '../../src/steps/types.js';
import type { Inventory } from '../../src/inventory/load.js';
import { rolesWith } from '../support/facts.js';

export const PLAYBOOK_DIR = new URL('../../playbooks/', import.meta.url);

/** A playbook's step ids, as playbooks/NAME.json lists them. */
export function playbookSteps(name: string): string[] {
  const json = JSON.parse(readFileSync(new URL(`${name}.json`, PLAYBOOK_DIR), 'utf8')) as { phases: { step: string }[] };
  return json.phases.map((p) => p.step);
}

export function phasesOf(stepIds: string[]) {
  return stepIds.map((id) => {
    const step = STEPS[id];
    if (!step) throw new Error(`no step ${id} in STEPS`);
    return { step, order: 'parallel' as const };
  });
}

export interface PlanInput {
  inventory: Inventory;
  facts: Map<string, NodeFacts>;
  /** The primary the run works with (default: the inventory's). */
  primary?: string;
  options?: Partial<PlanOptions>;
  /** The steps planned together (default: playbooks/up.json). */
  steps?: string[];
}

export function plan(input: PlanInput): NodePlan[] {
  return planCluster(
    input.inventory,
    phasesOf(input.steps ?? playbookSteps('up')),
    rolesWith(input.inventory, input.primary),
    input.facts,
    { waitTimeoutMs: 30_000, ...input.options },
  );
}

export function nodePlan(plans: NodePlan[], name: string): NodePlan {
  const found = plans.find((p) => p.node.name === name);
  if (!found) throw new Error(`no plan for ${name}`);
  return found;
}

/** The changes one step planned on one node, in the context of the whole playbook. */
export function stepChanges(input: PlanInput, stepId: string, node: string): Change[] {
  const changes = nodePlan(plan(input), node).changes.get(stepId);
  if (!changes) throw new Error(`${stepId} is not in the planned steps`);
  return changes;
}

/** The problems one step's check finds on one node (that step planned alone). */
export function stepProblems(input: PlanInput, stepId: string, node: string): string[] {
  return nodePlan(plan({ ...input, steps: [stepId] }), node).problems;
}

/** What the tables compare: what a person reads, what rollback puts back, what restarts. */
export interface Outline {
  summary: string;
  touches: ResourceRef[];
  /** Absent where the change restarts nothing (toEqual ignores an undefined property). */
  restarts?: string[];
}
export function outline(changes: Change[]): Outline[] {
  return changes.map((c) => ({ summary: c.summary, touches: c.touches, restarts: c.restarts }));
}

export const summaries = (changes: Change[]) => changes.map((c) => c.summary);
export const labels = (changes: Change[]) => changes.flatMap((c) => c.commands.map((x) => x.label));
export const totalChanges = (plans: NodePlan[]) => plans.reduce((n, p) => n + [...p.changes.values()].flat().length, 0);
