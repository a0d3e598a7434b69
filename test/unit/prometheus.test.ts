import { describe, expect, it } from 'vitest';
import { evaluateHealth, type NodeHealthInput } from '../../src/commands/status/health.js';
import { SERVICES } from '../../src/hsts/paths.js';
import { renderPrometheus } from '../../src/commands/status/prometheus.js';
import { parseExposition, sample } from '../support/prometheus.js';

const ip = (n: number) => `172.30.0.${n + 1}`;
function node(n: number, change: Partial<NodeHealthInput> = {}): NodeHealthInput {
  return {
    name: `node${n}`,
    ip: ip(n),
    reachable: true,
    services: Object.fromEntries(SERVICES.map((s) => [s, { active: 'active', enabled: 'enabled' }])),
    replication: n === 1
      ? { role: 'master', offset: 500, replicas: [2, 3].map((r) => ({ ip: ip(r), port: 31415, state: 'online', offset: 480, lag: 0 })) }
      : { role: 'slave', masterHost: ip(1), masterPort: 31415, linkUp: true, offset: 480, replicas: [] },
    sentinelPrimary: ip(1),
    quorum: { ok: true, message: 'OK 3 usable Sentinels' },
    noded: { ok: true, message: 'healthy' },
    ...change,
  };
}
const render = (nodes: NodeHealthInput[], cluster = 'myprimary') => renderPrometheus(evaluateHealth(nodes), { cluster, time: 1_700_000_000 });

describe('status --format prometheus', () => {
  it('a healthy cluster, read back by a parser of the exposition format', () => {
    const families = parseExposition(render([node(1), node(2), node(3)]));
    const c = { cluster: 'myprimary' };
    expect(families.every((f) => f.type === 'GAUGE' && f.help.length > 0)).toBe(true);
    expect(sample(families, 'hsts_cluster_healthy', c)).toBe(1);
    expect(sample(families, 'hsts_cluster_verdict', { ...c, verdict: 'healthy' })).toBe(1);
    expect(sample(families, 'hsts_cluster_verdict', { ...c, verdict: 'degraded' })).toBe(0);
    expect(sample(families, 'hsts_cluster_primary', { ...c, node: 'node1' })).toBe(1);
    expect(sample(families, 'hsts_cluster_status_time_seconds', c)).toBe(1_700_000_000);
    expect(sample(families, 'hsts_cluster_node_role', { node: 'node2', role: 'replica' })).toBe(1);
    expect(sample(families, 'hsts_cluster_node_role', { node: 'node2', role: 'primary' })).toBe(0);
    expect(sample(families, 'hsts_cluster_node_replication_lag_bytes', { node: 'node3' })).toBe(20);
    expect(sample(families, 'hsts_cluster_node_replication_lag_bytes', { node: 'node1' })).toBeUndefined();
    expect(sample(families, 'hsts_cluster_node_connected_replicas', { node: 'node1' })).toBe(2);
    expect(sample(families, 'hsts_cluster_node_sentinel_primary', { node: 'node3', primary: 'node1' })).toBe(1);
    expect(sample(families, 'hsts_cluster_node_sentinel_quorum', { node: 'node2' })).toBe(1);
    for (const service of SERVICES) expect(sample(families, 'hsts_cluster_node_service_up', { node: 'node2', service })).toBe(1);
  });

  it.each([
    {
      name: 'Redis stopped on a replica', nodes: [node(1), node(2), node(3, { services: { ...node(3).services, asperaredisd: { active: 'inactive', enabled: 'enabled' } }, replication: null })],
      expect: [['hsts_cluster_healthy', {}, 0], ['hsts_cluster_verdict', { verdict: 'degraded' }, 1], ['hsts_cluster_node_service_up', { node: 'node3', service: 'asperaredisd' }, 0],
        ['hsts_cluster_node_role', { node: 'node3', role: 'unknown' }, 1], ['hsts_cluster_node_replication_link_up', { node: 'node3' }, undefined], ['hsts_cluster_primary', { node: 'node1' }, 1]],
    },
    {
      name: 'a replica unreachable', nodes: [node(1), node(2, { reachable: false, error: 'timed out', services: {}, replication: null, sentinelPrimary: null, quorum: null }), node(3)],
      expect: [['hsts_cluster_node_reachable', { node: 'node2' }, 0], ['hsts_cluster_node_service_up', { node: 'node2' }, undefined], ['hsts_cluster_node_sentinel_quorum', { node: 'node2' }, undefined], ['hsts_cluster_verdict', { verdict: 'degraded' }, 1]],
    },
    {
      name: 'a replica\'s link down', nodes: [node(1), node(2, { replication: { role: 'slave', masterHost: ip(1), masterPort: 31415, linkUp: false, offset: 100, replicas: [] } }), node(3)],
      expect: [['hsts_cluster_node_replication_link_up', { node: 'node2' }, 0], ['hsts_cluster_node_replication_lag_bytes', { node: 'node2' }, 400]],
    },
    {
      name: 'no Sentinel majority', nodes: [node(1), node(2, { sentinelPrimary: ip(2) }), node(3, { sentinelPrimary: ip(3), quorum: { ok: false, message: 'NOQUORUM' } })],
      expect: [['hsts_cluster_verdict', { verdict: 'broken' }, 1], ['hsts_cluster_primary', {}, undefined], ['hsts_cluster_node_sentinel_agrees', { node: 'node1' }, 0],
        ['hsts_cluster_node_sentinel_primary', { node: 'node2', primary: 'node2' }, 1], ['hsts_cluster_node_sentinel_quorum', { node: 'node3' }, 0]],
    },
    {
      name: 'a replica in maintenance with its daemons stopped: healthy, and said so',
      nodes: [node(1), node(2), node(3, {
        services: { ...node(3).services, asperanoded: { active: 'inactive', enabled: 'enabled' } }, noded: { ok: false, message: 'no answer' },
        maintenance: { state: 'on', mark: { by: 'ops@h', since: '2026-11-28T10:00:00Z', message: 'disk', run: 'r', stopped: ['asperanoded'], replicaPriority: '100' } },
      })],
      expect: [['hsts_cluster_node_maintenance', { node: 'node3' }, 1], ['hsts_cluster_node_maintenance', { node: 'node2' }, 0], ['hsts_cluster_healthy', {}, 1],
        ['hsts_cluster_node_service_up', { node: 'node3', service: 'asperanoded' }, 0]],
    },
    {
      name: 'a Sentinel that still counts a removed node (stale state)',
      nodes: [node(1, { sentinelCounts: { replicas: 3, peers: 3 } }), node(2, { sentinelCounts: { replicas: 2, peers: 2 } }), node(3)],
      expect: [['hsts_cluster_node_sentinel_known_replicas', { node: 'node1' }, 3], ['hsts_cluster_node_sentinel_known_peers', { node: 'node2' }, 2],
        ['hsts_cluster_node_sentinel_known_peers', { node: 'node3' }, undefined], ['hsts_cluster_verdict', { verdict: 'degraded' }, 1]],
    },
  ] as const)('$name', ({ nodes, expect: rows }) => {
    const families = parseExposition(render([...nodes] as NodeHealthInput[]));
    for (const [name, labels, value] of rows) expect(sample(families, name, { cluster: 'myprimary', ...labels }), `${name} ${JSON.stringify(labels)}`).toBe(value);
  });

  it('escapes label values: a backslash, a quote and a newline come back as they were', () => {
    const odd = 'a\\b"c\nd';
    const families = parseExposition(render([node(1), node(2), node(3)], odd));
    expect(sample(families, 'hsts_cluster_healthy', { cluster: odd })).toBe(1);
  });

  it('keeps to the format: HELP and TYPE once per family, before its samples; names and no timestamps', () => {
    const text = render([node(1), node(2), node(3)]);
    const lines = text.trimEnd().split('\n');
    const declared = new Set<string>();
    for (const line of lines) {
      const m = /^# (HELP|TYPE) (\S+) /.exec(line);
      if (m) { declared.add(`${m[1]} ${m[2]}`); continue; }
      const s = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
      expect(s, line).not.toBeNull();
      expect(declared.has(`HELP ${s![1]}`) && declared.has(`TYPE ${s![1]}`), line).toBe(true);
      expect(Number.isFinite(Number(s![3])), line).toBe(true);
    }
    expect(lines.filter((l) => l.startsWith('# TYPE')).length).toBe(new Set(lines.filter((l) => l.startsWith('# TYPE'))).size);
    expect(text.endsWith('\n')).toBe(true);
  });
});
