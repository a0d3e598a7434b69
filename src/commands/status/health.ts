import { keptStopped, type MaintenanceMark, type MaintenanceRead } from '../../hsts/maintenance.js';
import type { ReplicationInfo } from '../../hsts/redis-info.js';
import { SERVICES } from '../../hsts/paths.js';

export interface NodeHealthInput {
  name: string;
  ip: string;
  reachable: boolean;
  error?: string;
  services: Record<string, { active: string; enabled: string }>;
  replication: ReplicationInfo | null;
  redisError?: string;
  sentinelPrimary: string | null;
  sentinelError?: string;
  quorum: { ok: boolean; message: string } | null;
  noded: { ok: boolean; message: string };
  /** The node's maintenance mark (absent: not read, as for an unreachable node). */
  maintenance?: MaintenanceRead;
  /** What the node's Sentinel counts (SENTINEL MASTER num-slaves, num-other-sentinels); absent: not asked. */
  sentinelCounts?: { replicas: number; peers: number } | null;
}

export interface NodeHealth extends NodeHealthInput {
  role: 'primary' | 'replica' | 'unknown';
  /** Bytes of replication offset behind the primary (replicas only). */
  lagBytes?: number;
}

export type Verdict = 'healthy' | 'degraded' | 'broken';

export interface ClusterHealth {
  verdict: Verdict;
  primary: string | null;
  reasons: string[];
  nodes: NodeHealth[];
  /** Nodes in maintenance: not a failure by themselves; their stopped services are expected. */
  maintenance: ({ node: string } & MaintenanceMark)[];
  /** What needs a look but does not change the verdict (a dead verify's Node API user). */
  warnings?: string[];
}

/**
 * healthy: every node up, every service running, one primary named by every Sentinel, every replica
 * linked to it, Sentinel quorum reachable, asperanoded healthy everywhere.
 * broken: no primary a majority of Sentinels agrees on, the primary's Redis down, or no quorum
 * anywhere (a failover could not happen), or fewer than a majority of nodes in service (in
 * maintenance or down). Anything else wrong: degraded. A node in maintenance is not wrong by itself,
 * nor are the services its mark says it stopped.
 */
export function evaluateHealth(inputs: NodeHealthInput[]): ClusterHealth {
  const broken: string[] = [];
  const degraded: string[] = [];
  const byIp = new Map(inputs.map((n) => [n.ip, n]));
  const votes = new Map<string, string[]>();
  for (const n of inputs) if (n.sentinelPrimary) votes.set(n.sentinelPrimary, [...(votes.get(n.sentinelPrimary) ?? []), n.name]);
  const ranked = [...votes.entries()].sort((a, b) => b[1].length - a[1].length);
  const majority = Math.floor(inputs.length / 2) + 1;
  const top = ranked[0];
  const primaryNode = top && top[1].length >= majority ? byIp.get(top[0]) ?? null : null;
  if (!top) broken.push('no Sentinel names a primary');
  else if (top[1].length < majority) broken.push(`no majority of Sentinels agrees on a primary (${ranked.map(([ip, who]) => `${who.join(', ')}: ${ip}`).join('; ')})`);
  else if (!primaryNode) broken.push(`the Sentinels name ${top[0]}, which is not a cluster node`);
  for (const [ip, who] of ranked.slice(1)) degraded.push(`${who.join(', ')}: Sentinel names ${ip}, not the majority's primary`);

  const nodes: NodeHealth[] = inputs.map((n) => {
    const out: NodeHealth = { ...n, role: n.replication?.role === 'master' ? 'primary' : n.replication?.role === 'slave' ? 'replica' : 'unknown' };
    if (!n.reachable) {
      degraded.push(`${n.name}: unreachable (${n.error ?? 'no answer'})`);
      return out;
    }
    const kept = keptStopped(n.maintenance);
    if (n.maintenance?.state === 'unreadable') degraded.push(`${n.name}: its maintenance mark cannot be read (${n.maintenance.reason})`);
    for (const service of SERVICES) {
      const s = n.services[service];
      if (kept.has(service) && s?.active !== 'active') continue;
      if (s?.active !== 'active') degraded.push(`${n.name}: ${service} is ${s?.active ?? 'unknown'}`);
      else if (s.enabled !== 'enabled') degraded.push(`${n.name}: ${service} is not enabled (would not start at boot)`);
    }
    if (!n.sentinelPrimary && n.services.asperaredissentinel?.active === 'active') {
      degraded.push(`${n.name}: its Sentinel names no primary (${n.sentinelError ?? 'no answer'})`);
    }
    // More than the inventory is stale state (a removed node remembered until SENTINEL RESET). Fewer
    // cannot fail over as planned: degraded too, while it lasts (after a start Sentinel learns the
    // replicas from the primary every 10 s and its peers from their hellos every 2 s).
    const counts = n.sentinelCounts;
    const want = inputs.length - 1;
    if (counts && (counts.replicas > want || counts.peers > want)) {
      degraded.push(`${n.name}: its Sentinel counts ${counts.replicas} replica(s) and ${counts.peers} peer(s), the inventory has ${want} of each ` +
        '(stale Sentinel state: run up, which resets it)');
    } else if (counts && (counts.replicas < want || counts.peers < want)) {
      degraded.push(`${n.name}: its Sentinel counts ${counts.replicas}/${want} replica(s) and ${counts.peers}/${want} peer(s) ` +
        '(still discovering if the cluster has just started: Sentinel asks the primary every 10 s; else it cannot reach them)');
    }
    if (n.quorum && !n.quorum.ok) degraded.push(`${n.name}: SENTINEL CKQUORUM: ${n.quorum.message}`);
    if (!n.noded.ok && !kept.has('asperanoded')) degraded.push(`${n.name}: asperanoded unhealthy (${n.noded.message})`);
    if (!n.replication) {
      degraded.push(`${n.name}: Redis does not answer (${n.redisError ?? 'no answer'})`);
    } else if (primaryNode && n !== primaryNode) {
      if (n.replication.role !== 'slave') degraded.push(`${n.name}: Redis is a ${n.replication.role}, expected a replica of ${primaryNode.name}`);
      else if (n.replication.masterHost !== primaryNode.ip) degraded.push(`${n.name}: replicates from ${n.replication.masterHost}, not ${primaryNode.ip}`);
      else if (!n.replication.linkUp) degraded.push(`${n.name}: replication link to ${primaryNode.name} is down`);
      if (primaryNode.replication) out.lagBytes = Math.max(0, primaryNode.replication.offset - n.replication.offset);
    }
    return out;
  });
  if (primaryNode && (!primaryNode.reachable || !primaryNode.replication || primaryNode.replication.role !== 'master')) {
    broken.push(`the primary ${primaryNode.name} has no working Redis primary`);
  }
  if (inputs.every((n) => !n.quorum?.ok)) broken.push('no Sentinel can reach a quorum: a failover could not be authorized');
  const inMaintenance = inputs.flatMap((n) => (n.maintenance?.state === 'on' ? [{ node: n.name, ...n.maintenance.mark }] : []));
  const down = inputs.filter((n) => n.maintenance?.state !== 'on' && (!n.reachable || !n.replication));
  const inService = inputs.length - inMaintenance.length - down.length;
  if (inMaintenance.length > 0 && inService < majority) {
    broken.push(`only ${inService} of ${inputs.length} nodes in service (in maintenance: ${inMaintenance.map((m) => m.node).join(', ')}` +
      `${down.length ? `; down: ${down.map((n) => n.name).join(', ')}` : ''}): one more failure and no majority is left`);
  }
  const verdict: Verdict = broken.length > 0 ? 'broken' : degraded.length > 0 ? 'degraded' : 'healthy';
  return { verdict, primary: primaryNode?.name ?? null, reasons: [...broken, ...degraded], nodes, maintenance: inMaintenance };
}
