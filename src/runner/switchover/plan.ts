import type { ReplicationInfo } from '../../hsts/redis-info.js';
import type { ClusterNode } from '../../inventory/load.js';

/** What the pre-flight of a switchover read, per node in inventory order. */
export interface SwitchoverFacts {
  nodes: ClusterNode[];
  /** The primary's IP each node's Sentinel names (null: no answer). */
  sentinelViews: (string | null)[];
  /** Each node's INFO replication (null: no answer). */
  replication: (ReplicationInfo | null)[];
  /** Names of the nodes in maintenance (src/facts/mark-probe.ts): never the target. */
  inMaintenance?: string[];
}

export type SwitchoverDecision =
  | { kind: 'refuse'; reason: string }
  | { kind: 'nothing-to-do'; primary: ClusterNode }
  | { kind: 'switch'; primary: ClusterNode; target: ClusterNode; others: ClusterNode[] };

/** A replica that follows `primary` with its link up. */
function linkedReplicaOf(info: ReplicationInfo | null, primary: ClusterNode): boolean {
  return info?.role === 'slave' && info.masterHost === primary.privateIp && info.linkUp === true;
}

/**
 * Who hands the primary role to whom. The Sentinels must all name one primary of the inventory and
 * it must run as primary; the target (--to, else the linked replica with the largest offset, ties
 * in inventory order) must be a linked replica of it.
 */
export function decideSwitchover(facts: SwitchoverFacts, to?: string): SwitchoverDecision {
  const { nodes, sentinelViews, replication } = facts;
  const silent = nodes.filter((_, i) => sentinelViews[i] === null).map((n) => n.name);
  if (silent.length > 0) return { kind: 'refuse', reason: `no primary named by the Sentinel on ${silent.join(', ')}` };
  const named = new Set(sentinelViews);
  if (named.size > 1) return { kind: 'refuse', reason: `the Sentinels do not agree on the primary (${nodes.map((n, i) => `${n.name}: ${sentinelViews[i]}`).join(', ')})` };
  const primaryIndex = nodes.findIndex((n) => n.privateIp === sentinelViews[0]);
  if (primaryIndex < 0) return { kind: 'refuse', reason: `the Sentinels name ${sentinelViews[0]}, which is not a node of the inventory` };
  const primary = nodes[primaryIndex]!;
  if (replication[primaryIndex]?.role !== 'master') return { kind: 'refuse', reason: `${primary.name}, which the Sentinels name, does not run as primary` };
  if (to !== undefined && to === primary.name) return { kind: 'nothing-to-do', primary };
  const candidates = nodes.map((node, i) => ({ node, info: replication[i] ?? null })).filter((c) => c.node !== primary);
  const maintained = new Set(facts.inMaintenance ?? []);
  let target: ClusterNode;
  if (to !== undefined) {
    if (maintained.has(to)) return { kind: 'refuse', reason: `${to} is in maintenance (never promoted): run \`hsts-cluster maintenance off ${to}\` first` };
    const wanted = candidates.find((c) => c.node.name === to)!;
    if (!linkedReplicaOf(wanted.info, primary)) {
      return { kind: 'refuse', reason: `${to} is not a replica of ${primary.name} with its link up (${describe(wanted.info)})` };
    }
    target = wanted.node;
  } else {
    const linked = candidates.filter((c) => linkedReplicaOf(c.info, primary) && !maintained.has(c.node.name));
    if (linked.length === 0) return { kind: 'refuse', reason: `no replica of ${primary.name}${maintained.size ? ' out of maintenance' : ''} has its link up` };
    // The largest offset wins; sort is stable, so ties keep inventory order.
    target = [...linked].sort((a, b) => b.info!.offset - a.info!.offset)[0]!.node;
  }
  return { kind: 'switch', primary, target, others: nodes.filter((n) => n !== primary && n !== target) };
}

function describe(info: ReplicationInfo | null): string {
  if (!info) return 'its Redis does not answer';
  if (info.role === 'master') return 'it runs as a primary';
  return `replica of ${info.masterHost}:${info.masterPort}, link ${info.linkUp ? 'up' : 'down'}`;
}

/**
 * What keeps one Sentinel from promoting `replica` cleanly, from its SENTINEL REPLICAS record;
 * null when nothing does. A Sentinel that has not seen the replica's role lately (it asks replicas
 * every 10 s) takes a promotion for a stale primary and turns it back.
 */
export function sentinelReplicaProblem(record: Record<string, string> | undefined, primaryIp: string): string | null {
  if (!record) return 'does not list it';
  const healthy = record.flags === 'slave' && record['role-reported'] === 'slave' && record['master-link-status'] === 'ok' &&
    record['master-host'] === primaryIp;
  return healthy ? null : `sees it as ${record['role-reported']} of ${record['master-host']} (flags ${record.flags}, link ${record['master-link-status']})`;
}

/**
 * What keeps one Sentinel (its `SENTINEL REPLICAS` records) from promoting `target` and only it:
 * the target not a healthy replica of the primary, or a `lowered` replica whose replica-priority 0
 * it has not seen yet (it reads priorities from the INFO it asks every 10 s). [] when nothing does.
 */
export function promotionProblems(
  records: Record<string, string>[],
  target: { name: string; privateIp: string },
  primaryIp: string,
  lowered: { name: string; privateIp: string }[] = [],
): string[] {
  const stale = lowered.filter((o) => records.find((r) => r.ip === o.privateIp)?.['slave-priority'] !== '0')
    .map((o) => `${o.name}'s replica-priority 0 not seen yet`);
  const targetProblem = sentinelReplicaProblem(records.find((r) => r.ip === target.privateIp), primaryIp);
  return [...(targetProblem ? [`${target.name}: ${targetProblem}`] : []), ...stale];
}

/** How long the old primary's writes stay paused at most: every bounded wait of the switch, plus a margin. */
export function switchoverBudget(cluster: { downAfterMs: number; failoverTimeoutMs: number }): { catchUpMs: number; agreeMs: number; pauseMs: number } {
  const catchUpMs = 10_000;
  const agreeMs = cluster.downAfterMs + cluster.failoverTimeoutMs * 3 + 10_000;
  return { catchUpMs, agreeMs, pauseMs: catchUpMs + agreeMs + 10_000 };
}
