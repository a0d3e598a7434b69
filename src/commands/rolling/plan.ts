import { describeMark, type MaintenanceMark } from '../../hsts/maintenance.js';
import type { ReplicationInfo } from '../../hsts/redis-info.js';
import { sentinelReplicaProblem } from '../../runner/switchover/plan.js';
import { compareVersions } from '../../hsts/version.js';
import type { NodedHealth } from '../../remote/noded.js';
import type { ClusterNode } from '../../inventory/load.js';
import type { Service } from '../../hsts/paths.js';

export type RollingKind = 'restart' | 'upgrade';

/** What the pre-flight of a rolling run read about one node. */
export interface RollingNodeFacts {
  node: ClusterNode;
  maintenance: MaintenanceMark | null;
  /** `asnodeadmin -A`; null when it did not answer. */
  version: string | null;
  replication: ReplicationInfo | null;
}

export interface RollingRequest {
  kind: RollingKind;
  /** --nodes (names already checked against the inventory); undefined: every node. */
  nodes?: string[];
  services: readonly Service[];
  batch: number;
  quorum: number;
}

export type RollingPlan =
  | { kind: 'refuse'; reason: string }
  | {
    kind: 'roll';
    /** Replicas, in batches run one after the other (each node of a batch at once). */
    batches: ClusterNode[][];
    /** The primary, rolled last; null when it is not asked for. */
    primaryLast: ClusterNode | null;
    /** Whether the primary role moves first: only when its Redis restarts (an upgrade restarts it). */
    switchFirst: boolean;
    /** Nodes left alone and why (maintenance). */
    notes: string[];
  };

/**
 * How many replicas may restart at once: while their Sentinels are down, the Sentinels left (minus
 * those a maintenance mark says are stopped) must still reach the quorum and a majority, so that a
 * failure of the primary meanwhile is still handled. Without a Sentinel restart, Redis keeps its
 * primary and any number of replicas may go at once.
 */
export function maxBatch(nodeCount: number, quorum: number, services: readonly Service[], sentinelsDown: number): number {
  if (!services.includes('asperaredissentinel')) return nodeCount - 1;
  const majority = Math.floor(nodeCount / 2) + 1;
  return Math.max(0, nodeCount - sentinelsDown - Math.max(quorum, majority));
}

/**
 * The rolling order: the selected replicas in inventory order, in batches; then (when the primary
 * is selected) a switchover and the old primary last. The switchover is there only when the
 * primary's Redis restarts: restarting its Sentinel or the HSTS daemons leaves the data where it is. Nodes in maintenance: restart leaves them
 * alone with a note; upgrade refuses, since the cluster would end on two versions without anyone
 * having chosen that.
 */
export function planRolling(facts: RollingNodeFacts[], primary: ClusterNode, request: RollingRequest): RollingPlan {
  const selected = facts.filter((f) => request.nodes === undefined || request.nodes.includes(f.node.name));
  const marked = selected.filter((f) => f.maintenance !== null);
  if (request.kind === 'upgrade' && marked.length > 0) {
    const others = facts.filter((f) => !marked.includes(f)).map((f) => f.node.name).join(',');
    return {
      kind: 'refuse',
      reason: `${marked.map((f) => `${f.node.name} is ${describeMark(f.maintenance!)}`).join('; ')}: an upgrade restarts and gates every node it ` +
        `touches, which maintenance forbids, and skipping it silently would leave the cluster on two versions; end the maintenance, ` +
        `or leave the node out on purpose with --nodes ${others}`,
    };
  }
  const notes = marked.map((f) => `${f.node.name} skipped: ${describeMark(f.maintenance!)}`);
  const rolled = selected.filter((f) => f.maintenance === null);
  const sentinelsDown = facts.filter((f) => f.maintenance?.stopped.includes('asperaredissentinel')).length;
  const allowed = maxBatch(facts.length, request.quorum, request.services, sentinelsDown);
  if (allowed < 1) return { kind: 'refuse', reason: `restarting a Sentinel now would leave fewer than the quorum (${request.quorum}) or a majority of Sentinels running (${sentinelsDown} stopped by maintenance)` };
  if (request.batch > allowed) {
    return { kind: 'refuse', reason: `--batch ${request.batch}: at most ${allowed} node(s) of ${facts.length} may restart at once (the Sentinels left must reach the quorum ${request.quorum} and a majority)` };
  }
  const replicas = rolled.filter((f) => f.node !== primary).map((f) => f.node);
  const batches: ClusterNode[][] = [];
  for (let i = 0; i < replicas.length; i += request.batch) batches.push(replicas.slice(i, i + request.batch));
  const primaryLast = rolled.some((f) => f.node === primary) ? primary : null;
  const redisRestarts = request.kind === 'upgrade' || request.services.includes('asperaredisd');
  if (primaryLast && redisRestarts && !facts.some((f) => f.node !== primary && f.maintenance === null)) {
    return { kind: 'refuse', reason: `no node outside maintenance can take the primary role from ${primary.name}` };
  }
  return { kind: 'roll', batches, primaryLast, switchFirst: primaryLast !== null && redisRestarts, notes };
}

export type TargetDecision = { kind: 'switch'; target: ClusterNode } | { kind: 'refuse'; reason: string };

/**
 * Who takes the primary role before the old primary is rolled: a linked replica outside maintenance
 * whose version is not older than the primary's (never fail over from a newer version to an older
 * one); the newest version first, then the largest offset, then inventory order.
 */
export function chooseTarget(facts: RollingNodeFacts[], primary: ClusterNode): TargetDecision {
  const primaryVersion = facts.find((f) => f.node === primary)?.version ?? null;
  if (primaryVersion === null) return { kind: 'refuse', reason: `${primary.name}'s HSTS version is unknown (asnodeadmin -A did not answer)` };
  const linked = facts.filter((f) => f.node !== primary && f.maintenance === null &&
    f.replication?.role === 'slave' && f.replication.masterHost === primary.privateIp && f.replication.linkUp);
  if (linked.length === 0) return { kind: 'refuse', reason: `no replica of ${primary.name} outside maintenance has its link up` };
  const eligible = linked.filter((f) => f.version !== null && compareVersions(f.version, primaryVersion) >= 0);
  if (eligible.length === 0) {
    return {
      kind: 'refuse',
      reason: `every linked replica runs an older HSTS than ${primary.name} (${primaryVersion}): ${linked.map((f) => `${f.node.name} ${f.version ?? 'unknown'}`).join(', ')}; a failover must never go from a newer version to an older one`,
    };
  }
  const best = [...eligible].sort((a, b) => compareVersions(b.version!, a.version!) || b.replication!.offset - a.replication!.offset)[0]!;
  return { kind: 'switch', target: best.node };
}

/** What a gate read after a node's services restarted. */
export interface GateFacts {
  node: ClusterNode;
  primary: ClusterNode;
  /** The Sentinels consulted (every node whose Sentinel maintenance did not stop), in order. */
  sentinels: ClusterNode[];
  replication: ReplicationInfo | null;
  /** The primary's master_repl_offset when the gate started: the node must reach it. */
  primaryOffset: number;
  /** The primary's IP each consulted Sentinel names (null: no answer). */
  sentinelViews: (string | null)[];
  /** Each consulted Sentinel's SENTINEL REPLICAS records. */
  sentinelReplicas: Record<string, string>[][];
  /** num-other-sentinels as the node's own Sentinel reports it (null: no answer). */
  otherSentinels: number | null;
  noded: NodedHealth;
}

/**
 * Why the node is not back yet ([] once it is): Redis up and linked to the primary, its offset at
 * least the primary's when the gate began, every Sentinel lists it as a healthy replica (for the
 * primary itself, kept when its Redis did not restart: still running as primary) and its own
 * Sentinel knows the others, every Sentinel names the same primary, asperanoded answers /ping.
 */
export function gateProblems(f: GateFacts): string[] {
  const problems: string[] = [];
  const r = f.replication;
  const isPrimary = f.node === f.primary;
  if (!r) problems.push('redis: does not answer');
  else if (isPrimary) {
    if (r.role !== 'master') problems.push(`redis: ${f.node.name} kept the primary role but runs as ${r.role}`);
  } else if (r.role !== 'slave' || r.masterHost !== f.primary.privateIp || !r.linkUp) {
    problems.push(`redis: not a linked replica of ${f.primary.name} (role ${r.role}, primary ${r.masterHost ?? '-'}, link ${r.linkUp ? 'up' : 'down'})`);
  } else if (r.offset < f.primaryOffset) problems.push(`offset: ${r.offset} behind ${f.primary.name}'s ${f.primaryOffset}`);
  if (!isPrimary) f.sentinels.forEach((s, i) => {
    const problem = sentinelReplicaProblem(f.sentinelReplicas[i]?.find((rec) => rec.ip === f.node.privateIp), f.primary.privateIp);
    if (problem) problems.push(`sentinel: ${s.name}'s Sentinel ${problem}`);
  });
  const others = f.sentinels.length - 1;
  if (f.otherSentinels === null) problems.push(`sentinel: ${f.node.name}'s Sentinel does not answer`);
  else if (f.otherSentinels < others) problems.push(`sentinel: ${f.node.name}'s Sentinel knows ${f.otherSentinels} of ${others} other Sentinels`);
  const disagree = f.sentinels.filter((_, i) => f.sentinelViews[i] !== f.primary.privateIp);
  if (disagree.length > 0) problems.push(`agreement: ${disagree.map((s) => `${s.name}'s Sentinel names ${f.sentinelViews[f.sentinels.indexOf(s)] ?? 'nothing'}`).join(', ')} instead of ${f.primary.name}`);
  if (!f.noded.ok) problems.push(`noded: ${f.noded.message}`);
  return problems;
}

/** The primary every consulted Sentinel names, running as primary; else why the run must not start. */
export function findPrimary(
  facts: RollingNodeFacts[], sentinels: ClusterNode[], views: (string | null)[],
): { kind: 'primary'; primary: ClusterNode } | { kind: 'refuse'; reason: string } {
  const named = new Set(views);
  if (views.includes(null) || named.size !== 1) {
    return { kind: 'refuse', reason: `the Sentinels do not all name one primary (${sentinels.map((s, i) => `${s.name}: ${views[i] ?? 'no answer'}`).join(', ')})` };
  }
  const primary = facts.find((f) => f.node.privateIp === views[0]);
  if (!primary) return { kind: 'refuse', reason: `the Sentinels name ${views[0]}, which is not a node of the inventory` };
  if (primary.replication?.role !== 'master') return { kind: 'refuse', reason: `${primary.node.name}, which the Sentinels name, does not run as primary` };
  return { kind: 'primary', primary: primary.node };
}
