/**
 * status as Prometheus text exposition (version 0.0.4), for node_exporter's textfile collector or
 * any scraper of files: one family per fact, each with HELP and TYPE, every sample labelled with
 * the cluster (its primary set name) and, per node, the node's name. No timestamps: the textfile
 * collector refuses them; hsts_cluster_status_time_seconds says when the status was taken.
 */
import type { ClusterHealth, NodeHealth } from './health.js';
import { SERVICES } from '../../hsts/paths.js';

type Labels = Record<string, string>;
interface Family { name: string; help: string; samples: { labels: Labels; value: number }[] }

/** Label values escape backslash, double quote and newline (exposition format). */
const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const bit = (b: boolean) => (b ? 1 : 0);

function renderFamily(f: Family): string {
  const lines = [`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} gauge`];
  for (const s of f.samples) {
    const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
    lines.push(`${f.name}{${labels}} ${s.value}`);
  }
  return lines.join('\n');
}

const ROLES = ['primary', 'replica', 'unknown'] as const;
const VERDICTS = ['healthy', 'degraded', 'broken'] as const;

export interface PrometheusContext {
  /** The cluster's name in every sample: the inventory's primarySet. */
  cluster: string;
  /** When the status was taken (seconds since the epoch). */
  time: number;
}

/** The families, in a fixed order; a fact that does not apply to a node (lag of a primary) has no sample. */
function families(health: ClusterHealth, ctx: PrometheusContext): Family[] {
  const c = { cluster: ctx.cluster };
  const per = (node: NodeHealth, more: Labels = {}): Labels => ({ ...c, node: node.name, ...more });
  const nodes = health.nodes;
  const reachable = nodes.filter((n) => n.reachable);
  const primaryIp = nodes.find((n) => n.name === health.primary)?.ip;
  const nameOfIp = (ip: string) => nodes.find((n) => n.ip === ip)?.name ?? ip;
  return [
    { name: 'hsts_cluster_healthy', help: 'Whether status finds the cluster healthy (1) or not (0).', samples: [{ labels: c, value: bit(health.verdict === 'healthy') }] },
    { name: 'hsts_cluster_verdict', help: 'The verdict of status: 1 for the current one of healthy, degraded, broken.', samples: VERDICTS.map((v) => ({ labels: { ...c, verdict: v }, value: bit(health.verdict === v) })) },
    { name: 'hsts_cluster_problems', help: 'How many problems status names (its reasons).', samples: [{ labels: c, value: health.reasons.length }] },
    { name: 'hsts_cluster_primary', help: 'The node a majority of Sentinels names as primary (1); no sample when none.', samples: health.primary ? [{ labels: { ...c, node: health.primary }, value: 1 }] : [] },
    { name: 'hsts_cluster_status_time_seconds', help: 'When this status was taken (Unix time).', samples: [{ labels: c, value: ctx.time }] },
    { name: 'hsts_cluster_node_reachable', help: 'Whether the node answered over SSH.', samples: nodes.map((n) => ({ labels: per(n), value: bit(n.reachable) })) },
    { name: 'hsts_cluster_node_service_up', help: 'Whether the systemd unit is active (reachable nodes only).', samples: reachable.flatMap((n) => SERVICES.map((s) => ({ labels: per(n, { service: s }), value: bit(n.services[s]?.active === 'active') }))) },
    { name: 'hsts_cluster_node_service_enabled', help: 'Whether the systemd unit is enabled at boot (reachable nodes only).', samples: reachable.flatMap((n) => SERVICES.map((s) => ({ labels: per(n, { service: s }), value: bit(n.services[s]?.enabled === 'enabled') }))) },
    { name: 'hsts_cluster_node_role', help: 'The role Redis reports: 1 for the current one of primary, replica, unknown (unknown: Redis does not answer).', samples: nodes.flatMap((n) => ROLES.map((r) => ({ labels: per(n, { role: r }), value: bit(n.role === r) }))) },
    { name: 'hsts_cluster_node_replication_link_up', help: 'A replica\'s link to its primary (master_link_status up).', samples: nodes.filter((n) => n.replication?.role === 'slave').map((n) => ({ labels: per(n), value: bit(Boolean(n.replication!.linkUp)) })) },
    { name: 'hsts_cluster_node_replication_lag_bytes', help: 'A replica\'s replication offset behind the primary, in bytes.', samples: nodes.filter((n) => n.lagBytes !== undefined).map((n) => ({ labels: per(n), value: n.lagBytes! })) },
    { name: 'hsts_cluster_node_connected_replicas', help: 'Replicas connected to a node whose Redis is a primary.', samples: nodes.filter((n) => n.replication?.role === 'master').map((n) => ({ labels: per(n), value: n.replication!.replicas.length })) },
    { name: 'hsts_cluster_node_sentinel_primary', help: 'The primary this node\'s Sentinel names (label primary: a node name, or the address when it is no node); no sample when it names none.', samples: nodes.filter((n) => n.sentinelPrimary).map((n) => ({ labels: per(n, { primary: nameOfIp(n.sentinelPrimary!) }), value: 1 })) },
    { name: 'hsts_cluster_node_sentinel_agrees', help: 'Whether this node\'s Sentinel names the primary the majority names.', samples: reachable.map((n) => ({ labels: per(n), value: bit(primaryIp !== undefined && n.sentinelPrimary === primaryIp) })) },
    { name: 'hsts_cluster_node_sentinel_quorum', help: 'SENTINEL CKQUORUM on this node: 1 OK, 0 not (or no answer).', samples: reachable.map((n) => ({ labels: per(n), value: bit(Boolean(n.quorum?.ok)) })) },
    { name: 'hsts_cluster_node_sentinel_known_replicas', help: 'Replicas this node\'s Sentinel counts (SENTINEL MASTER num-slaves); more than the inventory\'s nodes minus one is stale state.', samples: nodes.filter((n) => n.sentinelCounts).map((n) => ({ labels: per(n), value: n.sentinelCounts!.replicas })) },
    { name: 'hsts_cluster_node_sentinel_known_peers', help: 'Other Sentinels this node\'s Sentinel counts (num-other-sentinels).', samples: nodes.filter((n) => n.sentinelCounts).map((n) => ({ labels: per(n), value: n.sentinelCounts!.peers })) },
    { name: 'hsts_cluster_node_maintenance', help: 'Whether the node carries a maintenance mark (hsts-cluster maintenance on): out of service, never promoted.', samples: reachable.map((n) => ({ labels: per(n), value: bit(health.maintenance.some((m) => m.node === n.name)) })) },
    { name: 'hsts_cluster_node_noded_healthy', help: 'Whether asperanoded reports itself healthy.', samples: reachable.map((n) => ({ labels: per(n), value: bit(n.noded.ok) })) },
  ];
}

export function renderPrometheus(health: ClusterHealth, ctx: PrometheusContext): string {
  return `${families(health, ctx).filter((f) => f.samples.length > 0).map(renderFamily).join('\n')}\n`;
}
