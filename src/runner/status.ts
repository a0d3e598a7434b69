import { evaluateHealth, type ClusterHealth, type NodeHealthInput } from '../hsts/health.js';
import { HSTS, SERVICES } from '../hsts/paths.js';
import { parsePrimaryAddr, parseReplication } from '../hsts/redis-info.js';
import type { ClusterNode, Inventory } from '../inventory/load.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import type { NodeSession } from '../ssh/session.js';
import { shq } from '../ssh/shell.js';
import { parseUnits } from '../steps/facts.js';
import { asredis } from '../steps/remote-checks.js';

/** Everything status needs from a node, in one round trip (read-only). */
export function statusProbes(inventory: Inventory, node: ClusterNode): RemoteCommand[] {
  const { cluster } = inventory;
  const pw = { pw: cluster.redisPassword };
  const ip = node.privateIp;
  return [
    { label: 'systemctl show (the four services)', code: `systemctl show -p Id -p UnitFileState -p ActiveState -p MainPID ${SERVICES.join(' ')}` },
    { label: `asredis -h ${ip} -p ${cluster.redisPort} INFO replication`, code: asredis(ip, cluster.redisPort, 'INFO replication'), inputs: pw },
    {
      label: `asredis -h ${ip} -p ${cluster.sentinelPort} SENTINEL get-master-addr-by-name ${cluster.primarySet}`,
      code: asredis(ip, cluster.sentinelPort, `SENTINEL get-master-addr-by-name ${shq(cluster.primarySet)}`),
      inputs: pw,
    },
    {
      label: `asredis -h ${ip} -p ${cluster.sentinelPort} SENTINEL CKQUORUM ${cluster.primarySet}`,
      code: asredis(ip, cluster.sentinelPort, `SENTINEL CKQUORUM ${shq(cluster.primarySet)}`),
      inputs: pw,
    },
    {
      label: `GET http://127.0.0.1:${HSTS.nodeApiPort}/ping`,
      code: `(exec 3<>/dev/tcp/127.0.0.1/${HSTS.nodeApiPort} && printf 'GET /ping HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3) 2>&1 | tr -d '\\r'`,
    },
  ];
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

export function parseStatus(node: ClusterNode, outputs: string[]): NodeHealthInput {
  const [units = '', info = '', sentinel = '', quorum = '', noded = ''] = outputs;
  const services = Object.fromEntries([...parseUnits(units).values()].map((u) => [u.name, { active: u.active, enabled: u.enabled }]));
  const replication = parseReplication(info);
  const primary = parsePrimaryAddr(sentinel);
  const nodedOk = / 200 /.test(firstLine(noded));
  const body = noded.split('\n\n')[1] ?? '';
  const input: NodeHealthInput = {
    name: node.name,
    ip: node.privateIp,
    reachable: true,
    services,
    replication,
    sentinelPrimary: primary?.ip ?? null,
    quorum: quorum.trim() ? { ok: quorum.trim().startsWith('OK'), message: firstLine(quorum) } : null,
    noded: { ok: nodedOk, message: nodedOk ? 'healthy' : (body.match(/"reason": "([^"]*)"/)?.[1] ?? firstLine(noded)) || 'no answer' },
  };
  if (!replication) input.redisError = firstLine(info) || 'no answer';
  if (!primary) input.sentinelError = firstLine(sentinel) || 'no answer';
  return input;
}

export function unreachable(node: ClusterNode, error: string): NodeHealthInput {
  return {
    name: node.name, ip: node.privateIp, reachable: false, error, services: {}, replication: null,
    sentinelPrimary: null, quorum: null, noded: { ok: false, message: 'unreachable' },
  };
}

export async function clusterStatus(inventory: Inventory, sessions: Map<string, NodeSession>, failures: Map<string, string>): Promise<ClusterHealth> {
  const inputs = await Promise.all(inventory.nodes.map(async (node) => {
    const session = sessions.get(node.name);
    if (!session) return unreachable(node, failures.get(node.name) ?? 'not connected');
    try {
      const probes = statusProbes(inventory, node);
      const r = await session.run(probes, 'parallel', 30_000);
      if (r.results.length < probes.length) return unreachable(node, r.failure?.output ?? 'no answer');
      return parseStatus(node, r.results.map((x) => x.output));
    } catch (e) {
      return unreachable(node, (e as Error).message);
    }
  }));
  return evaluateHealth(inputs);
}
