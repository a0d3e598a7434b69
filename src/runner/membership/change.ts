/**
 * A membership change inside `up`: decided from the nodes' own facts (plan.ts), refused
 * when unsafe, and applied one node at a time (kept nodes, then each new node, whose Sentinel must
 * be counted by every Sentinel before the next joins).
 */
import type { Inventory } from '../../inventory/load.js';
import { detachOverNetwork, sentinelReset, waitForSentinelCounts, waitForSentinelMembers } from './remote.js';
import { sentinelOf } from '../../remote/redis-cli.js';
import type { NodeFacts, Roles } from '../../steps/types.js';
import type { ApplyGroup } from '../engine/apply.js';
import type { Run } from '../engine/run.js';
import { membershipInput } from './facts.js';
import { describeChange, planMembership, type MembershipPlan } from './plan.js';

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
  // After what the leaving nodes' own phase did (leave.ts), if anything.
  run.membership = [...(run.membership ?? []), ...plan.changes.map(describeChange)];
  run.io.log(`membership: ${plan.added.length} node(s) to add (${plan.added.map((m) => m.name).join(', ') || 'none'}), ` +
    `${plan.removed.length} to remove (${plan.removed.join(', ') || 'none'})`);
  return plan;
}

/** Removing the current primary needs a switchover first; this version asks the operator for it. */
function unsupported(plan: MembershipPlan): string | null {
  const switchover = plan.changes.find((c) => c.kind === 'switchover');
  if (!switchover || switchover.kind !== 'switchover') return null;
  return `the current primary (${switchover.from}) is one of the nodes to remove; up does not move the primary itself yet: ` +
    `run \`hsts-cluster switchover --to ${switchover.node}\` with the current inventory first, then up again`;
}

/**
 * The groups `up` applies one after another, in the plan's order: each removed node detached (from
 * the primary, over the network), each kept node updated alone, each new node joined and counted by
 * every Sentinel, then SENTINEL RESET on each kept Sentinel, checked before the next.
 */
export function membershipGroups(inventory: Inventory, plan: MembershipPlan, primaryIp: string, waitTimeoutMs: number): ApplyGroup[] {
  const { cluster } = inventory;
  const wait = { timeoutMs: waitTimeoutMs, intervalMs: 500 };
  const target = (ip: string) => sentinelOf(cluster, { privateIp: ip });
  const primaryName = inventory.nodes.find((n) => n.privateIp === primaryIp)!.name;
  const final = [...plan.kept, ...plan.added].map((m) => m.ip);
  const groups: ApplyGroup[] = [];
  const members = plan.kept.map((m) => m.ip);
  for (const change of plan.changes) {
    switch (change.kind) {
      case 'detach':
        groups.push({
          nodes: [primaryName], phases: false, afterKind: 'changes', title: `Detach ${change.ip}`,
          after: [detachOverNetwork({ ip: change.ip, redisPort: cluster.redisPort, sentinelPort: cluster.sentinelPort, password: cluster.redisPassword, nodedUser: cluster.nodedUser }, cluster.primarySet)],
        });
        break;
      case 'update':
        groups.push({ nodes: [change.node] });
        break;
      case 'join':
        members.push(change.ip);
        groups.push({
          nodes: [change.node],
          after: members.map((ip) => waitForSentinelMembers(target(ip), cluster.primarySet,
            { peers: members.filter((m) => m !== ip), replicas: members.filter((m) => m !== primaryIp) }, wait)),
        });
        break;
      case 'reset':
        groups.push({
          nodes: [change.node], phases: false, afterKind: 'changes', title: 'SENTINEL RESET',
          after: [
            sentinelReset(target(change.ip), cluster.primarySet),
            waitForSentinelCounts(target(change.ip), cluster.primarySet, { peers: final.length - 1, replicas: final.length - 1 }, wait),
          ],
        });
        break;
      case 'switchover':
        break;
    }
  }
  return groups;
}
