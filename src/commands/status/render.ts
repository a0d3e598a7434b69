import type { ClusterHealth } from './health.js';
import { describeMark } from '../../hsts/maintenance.js';
import { SERVICES } from '../../hsts/paths.js';

const short: Record<string, string> = {
  asperaredisd: 'redisd', asperaredissentinel: 'sentinel', asperanoded: 'noded', asperarund: 'rund',
};

/** A table a person reads at a glance, then the verdict and its reasons. */
export function renderStatus(health: ClusterHealth): string {
  // Every Sentinel should count every other node once as a replica and once as a peer.
  const expected = health.nodes.length - 1;
  const rows = health.nodes.map((n) => {
    if (!n.reachable) return [n.name, 'UNREACHABLE', '', '', '', '', '', ''];
    const services = SERVICES.map((s) => `${short[s]}:${n.services[s]?.active === 'active' ? 'up' : (n.services[s]?.active ?? '?')}`).join(' ');
    const link = n.replication?.role === 'slave' ? (n.replication.linkUp ? `link up` : 'link DOWN') : n.replication ? `${n.replication.replicas.length} replica(s)` : '-';
    const named = health.nodes.find((m) => m.ip === n.sentinelPrimary)?.name ?? n.sentinelPrimary ?? '-';
    const role = n.maintenance?.state === 'on' ? `${n.role} (MAINTENANCE)` : n.role;
    const c = n.sentinelCounts;
    const counts = c ? `${c.replicas}/${c.peers}${c.replicas !== expected || c.peers !== expected ? ` (want ${expected})` : ''}` : '-';
    return [n.name, role, link, n.lagBytes === undefined ? '' : `${n.lagBytes} B`, named, n.quorum?.ok ? 'ok' : 'NO', n.noded.ok ? 'healthy' : 'UNHEALTHY', counts, services];
  });
  const header = ['node', 'redis', 'replication', 'lag', 'sentinel says', 'quorum', 'noded', 'replicas/peers', 'services'];
  const table = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  const lines = table.map((r) => r.map((cell, i) => (cell ?? '').padEnd(widths[i]!)).join('  ').trimEnd());
  for (const m of health.maintenance) lines.push('', `${m.node}: ${describeMark(m)}`);
  lines.push('', `cluster: ${health.verdict.toUpperCase()}${health.primary ? `, primary ${health.primary}` : ''}`);
  for (const reason of health.reasons) lines.push(`  - ${reason}`);
  for (const warning of health.warnings ?? []) lines.push(`warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}
