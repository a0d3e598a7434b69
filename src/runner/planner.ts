import type { ClusterNode, Inventory } from '../inventory/load.js';
import { HSTS } from '../hsts/paths.js';
import { newSentinelId, sentinelIdOf } from '../hsts/sentinel-conf.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { refusedFiles } from '../steps/common.js';
import type { Change, NodeFacts, PlanContext, PlanOptions, Roles, Step } from '../steps/types.js';
import { heldCommand } from './held-command.js';
import type { Phase } from './playbook.js';

export interface NodePlan {
  node: ClusterNode;
  /**
   * What was gathered on the node. Only its snapshot reads it after planning: engine/plan.ts lets
   * go of it (undefined) on a node that will not change, and engine/snapshot.ts once saved.
   */
  facts?: NodeFacts;
  /** Changes per step id, in playbook order; engine/apply.ts empties a step's list once the step ran. */
  changes: Map<string, Change[]>;
  /** Read-only checks per step id (Step.readinessChecks), run after the step's changes. */
  checks: Map<string, RemoteCommand[]>;
  problems: string[];
}

export type { PlanOptions };

interface ClusterContext {
  inventory: Inventory;
  roles: Roles;
  sentinelIds: Map<string, string>;
  options: PlanOptions;
}

function context(cluster: ClusterContext, node: ClusterNode, facts: NodeFacts, planned: Change[], holdFailover: boolean): PlanContext {
  return { ...cluster, node, facts, planned, holdFailover };
}

/** The id each node's Sentinel has (in its file) or will get (new), decided once for the whole run. */
export function sentinelIds(inventory: Inventory, facts: Map<string, NodeFacts>): Map<string, string> {
  return new Map(inventory.nodes.map((node) => {
    const text = facts.get(node.name)?.files.get(HSTS.sentinelConf)?.content?.toString('utf8') ?? null;
    return [node.name, sentinelIdOf(text) ?? newSentinelId()];
  }));
}

/**
 * What every step would change on every node. Steps that derive from others (stop and start
 * services) are planned last, from the others' changes. When the running primary's Redis must
 * restart, every Sentinel is held (stopped, then started) so that no failover starts meanwhile.
 */
export function planCluster(
  inventory: Inventory,
  phases: Phase[],
  roles: Roles,
  facts: Map<string, NodeFacts>,
  options: PlanOptions,
): NodePlan[] {
  const steps = phases.map((p) => p.step);
  const cluster: ClusterContext = { inventory, roles, sentinelIds: sentinelIds(inventory, facts), options };
  const plans: NodePlan[] = inventory.nodes.map((node) => {
    const nodeFacts = facts.get(node.name)!;
    const ctx = context(cluster, node, nodeFacts, [], false);
    const changes = new Map<string, Change[]>();
    const problems = refusedFiles(nodeFacts);
    for (const step of steps) {
      problems.push(...(step.check?.(ctx) ?? []));
      if (!step.derived) changes.set(step.id, heldChanges(step.plan(ctx)));
    }
    return { node, facts: nodeFacts, changes, checks: new Map(), problems };
  });
  const primaryPlan = plans.find((p) => p.node === roles.primary)!;
  const primaryRedisRestarts = [...primaryPlan.changes.values()].flat().some((c) => c.restarts?.includes('asperaredisd')) &&
    primaryPlan.facts!.units.get('asperaredisd')?.active === 'active';
  const sentinelsRunning = plans.some((p) => p.facts!.units.get('asperaredissentinel')?.active === 'active');
  const holdFailover = primaryRedisRestarts && sentinelsRunning;
  for (const plan of plans) {
    const planned = [...plan.changes.values()].flat();
    const ctx = context(cluster, plan.node, plan.facts!, planned, holdFailover);
    const ordered = new Map<string, Change[]>();
    for (const step of steps) ordered.set(step.id, step.derived ? heldChanges(step.plan(ctx)) : plan.changes.get(step.id)!);
    plan.changes = ordered;
    plan.checks = readinessCommands(cluster, steps, plan);
  }
  return plans;
}

/** Each step's read-only checks on the node, decided with the plan so that applying needs no facts. */
function readinessCommands(cluster: ClusterContext, steps: Step[], plan: NodePlan): Map<string, RemoteCommand[]> {
  const ctx = context({ ...cluster, sentinelIds: new Map() }, plan.node, plan.facts!, [...plan.changes.values()].flat(), false);
  const checks = new Map<string, RemoteCommand[]>();
  for (const step of steps) {
    const commands = step.readinessChecks?.(ctx) ?? [];
    if (commands.length > 0) checks.set(step.id, commands.map(heldCommand));
  }
  return checks;
}

function heldChanges(changes: Change[]): Change[] {
  for (const change of changes) change.commands = change.commands.map(heldCommand);
  return changes;
}

export function changeCount(plan: NodePlan): number {
  return [...plan.changes.values()].reduce((n, c) => n + c.length, 0);
}
