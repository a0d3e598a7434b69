/**
 * A membership change inside `up`: decided from the nodes' own facts (membership-plan.ts), refused
 * when unsafe, and applied one node at a time (kept nodes, then each new node, whose Sentinel must
 * be counted by every Sentinel before the next joins).
 */
import type { Inventory } from '../inventory/load.js';
import { waitForSentinelMembers } from '../remote/membership.js';
import type { NodeFacts, Roles } from '../steps/types.js';
import type { ApplyGroup } from './engine/apply.js';
import type { Run } from './engine/run.js';
import { membershipInput } from './membership-facts.js';
import { describeChange, planMembership, type MembershipPlan } from './membership-plan.js';

/**
 * The membership change this run makes, recorded for `plan` and the result; null when it is
 * refused (the run stops before any change, as a pre-flight failure).
 */
export function decideMembership(run: Run, facts: Map<string, NodeFacts>, roles: Roles): MembershipPlan | null {
  const plan = planMembership(membershipInput(run.inventory, facts, roles.primary.privateIp));
  if (plan.kind !== 'change') return plan;
  const refusal = plan.refusal ?? unsupported(plan);
  if (refusal) {
    run.errors.push(`membership: ${refusal}`, 'pre-flight failed; nothing was changed');
    run.emit({ event: 'preflight-failed', problems: [refusal] });
    return null;
  }
  run.membership = plan.changes.map(describeChange);
  run.io.log(`membership: ${plan.added.length} node(s) to add (${plan.added.map((m) => m.name).join(', ') || 'none'}), ` +
    `${plan.removed.length} to remove (${plan.removed.join(', ') || 'none'})`);
  return plan;
}

/** Removing nodes (shrink, replace) is not built yet: refused, so that no Sentinel is left remembering them. */
function unsupported(plan: MembershipPlan): string | null {
  if (plan.removed.length === 0) return null;
  return `removing members (${plan.removed.join(', ')}) is not supported by this version of up ` +
    '(shrink and replace need SENTINEL RESET on every remaining Sentinel); put them back in the inventory';
}

/** One group per node, in the plan's order; a joining node is followed by every Sentinel counting it. */
export function membershipGroups(inventory: Inventory, plan: MembershipPlan, primaryIp: string, waitTimeoutMs: number): ApplyGroup[] {
  const { cluster } = inventory;
  const groups: ApplyGroup[] = [];
  const members = plan.kept.map((m) => m.ip);
  for (const change of plan.changes) {
    if (change.kind === 'update') groups.push({ nodes: [change.node] });
    if (change.kind !== 'join') continue;
    members.push(change.ip);
    const after = members.map((ip) => waitForSentinelMembers(
      { ip, port: cluster.sentinelPort, password: cluster.redisPassword },
      cluster.primarySet,
      { peers: members.filter((m) => m !== ip), replicas: members.filter((m) => m !== primaryIp) },
      { timeoutMs: waitTimeoutMs, intervalMs: 500 },
    ));
    groups.push({ nodes: [change.node], after });
  }
  return groups;
}
