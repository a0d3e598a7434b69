import { maintenanceProbe } from '../../facts/mark-probe.js';
import { evaluateHealth, type ClusterHealth, type NodeHealthInput } from './health.js';
import { SERVICES } from '../../hsts/paths.js';
import { parsePrimaryAddr, parseReplication } from '../../hsts/redis-info.js';
import type { ClusterNode, Inventory } from '../../inventory/load.js';
import { listNodeUsers, localDatabasePorts, parseNodeUserNames, verifyLeftovers } from '../../remote/asnodeadmin.js';
import { isDefaultNodeApi, parseNodeApi, readNodeApiCommand } from '../../remote/node-api.js';
import { nodedPing, parseNodedPing } from '../../remote/noded.js';
import { outputProbe, parseProbes, probeCommands, type Answers, type Probe } from '../../remote/probe.js';
import { asredis, redisOf, sentinelOf } from '../../remote/redis-cli.js';
import { parseUnitShow, showUnits } from '../../remote/systemctl.js';
import type { RemoteCommand } from '../../ssh/remote-script.js';
import type { NodeSession } from '../../ssh/session.js';

const firstLine = (text: string) => text.trim().split('\n')[0] ?? '';

/** SENTINEL MASTER's flat key/value reply: how many replicas and other Sentinels it counts; null: no answer. */
export function parseSentinelCounts(output: string): { replicas: number; peers: number } | null {
  const lines = output.replace(/\r/g, '').split('\n');
  const field = (name: string) => {
    const i = lines.findIndex((l, k) => k % 2 === 0 && l === name);
    return i >= 0 && /^\d+$/.test(lines[i + 1] ?? '') ? Number(lines[i + 1]) : null;
  };
  const replicas = field('num-slaves');
  const peers = field('num-other-sentinels');
  return replicas === null || peers === null ? null : { replicas, peers };
}

/** Everything status asks a node, by name, each answer's parser beside its probe (read-only, one round trip). */
export function statusProbes(inventory: Inventory, node: ClusterNode) {
  const { cluster } = inventory;
  const redis = redisOf(cluster, node);
  const sentinel = sentinelOf(cluster, node);
  return {
    services: outputProbe(showUnits(SERVICES, 'systemctl show (the four services)'), (output) =>
      Object.fromEntries([...parseUnitShow(output).values()].map((u) => [u.name, { active: u.active, enabled: u.enabled }]))),
    replication: outputProbe(asredis(redis, ['INFO', 'replication']), (output) =>
      ({ info: parseReplication(output), error: firstLine(output) || 'no answer' })),
    sentinelPrimary: outputProbe(asredis(sentinel, ['SENTINEL', 'get-master-addr-by-name', cluster.primarySet]), (output) =>
      ({ primary: parsePrimaryAddr(output), error: firstLine(output) || 'no answer' })),
    quorum: outputProbe(asredis(sentinel, ['SENTINEL', 'CKQUORUM', cluster.primarySet]), (output) =>
      (output.trim() ? { ok: output.trim().startsWith('OK'), message: firstLine(output) } : null)),
    sentinelCounts: outputProbe(asredis(sentinel, ['SENTINEL', 'MASTER', cluster.primarySet]), parseSentinelCounts),
    // IBM's default address is asked in this batch; a node whose aspera.conf names another is asked
    // there once more (clusterStatus), so a stock node costs no extra round trip.
    noded: outputProbe(nodedPing(), parseNodedPing),
    nodeApi: outputProbe(readNodeApiCommand(), parseNodeApi),
    maintenance: maintenanceProbe(),
    // The Node API users live in the cluster's Redis: one node's list is everyone's, so one node is
    // asked, in the batch it answers anyway (no extra round trip).
    verifyLeftovers: node === inventory.nodes[0] ? nodeUsersProbe(listNodeUsers(localDatabasePorts(cluster, node))) : undefined,
  };
}

export function nodeHealth(node: ClusterNode, answers: Answers<ReturnType<typeof statusProbes>>): NodeHealthInput {
  const { replication, sentinelPrimary } = answers;
  const input: NodeHealthInput = {
    name: node.name,
    ip: node.privateIp,
    reachable: true,
    services: answers.services,
    replication: replication.info,
    sentinelPrimary: sentinelPrimary.primary?.ip ?? null,
    quorum: answers.quorum,
    noded: answers.noded,
    maintenance: answers.maintenance,
    sentinelCounts: answers.sentinelCounts,
  };
  if (!replication.info) input.redisError = replication.error;
  if (!sentinelPrimary.primary) input.sentinelError = sentinelPrimary.error;
  return input;
}

export function unreachable(node: ClusterNode, error: string): NodeHealthInput {
  return {
    name: node.name, ip: node.privateIp, reachable: false, error, services: {}, replication: null,
    sentinelPrimary: null, quorum: null, noded: { ok: false, message: 'unreachable' },
  };
}

/** The Node API users a dead verify left, or why `asnodeadmin -l` gave no list (the password guard's refusal, say). */
export type NodeUsersAnswer = { leftovers: string[] } | { failed: string };

export function nodeUsersProbe(command: RemoteCommand): Probe<NodeUsersAnswer> {
  return {
    command,
    parse: (result) => (result?.exitCode === 0
      ? { leftovers: verifyLeftovers(parseNodeUserNames(result.output)) }
      : { failed: firstLine(result?.output ?? '') || 'no answer' }),
  };
}

/** A warning per Node API user a dead verify left behind (the next verify removes them), or why none could be listed. */
export function leftoverWarnings(node: string, answer: NodeUsersAnswer): string[] {
  if ('failed' in answer) return [`${node}: asnodeadmin -l did not list the Node API users: ${answer.failed}`];
  return answer.leftovers.map((name) => `${node}: Node API user ${name} was left by a verify that did not finish; the next hsts-cluster verify removes it (or: asnodeadmin -du ${name})`);
}

export async function clusterStatus(inventory: Inventory, sessions: Map<string, NodeSession>, failures: Map<string, string>): Promise<ClusterHealth> {
  const warnings: string[] = [];
  const inputs = await Promise.all(inventory.nodes.map(async (node) => {
    const session = sessions.get(node.name);
    if (!session) return unreachable(node, failures.get(node.name) ?? 'not connected');
    try {
      const probes = statusProbes(inventory, node);
      const commands = probeCommands(probes);
      const r = await session.run(commands, 'parallel', 30_000);
      if (r.results.length < commands.length) return unreachable(node, r.failure?.output ?? 'no answer');
      const answers = parseProbes(probes, r.results);
      if (!isDefaultNodeApi(answers.nodeApi)) {
        const ping = await session.run([nodedPing(answers.nodeApi)], 'run-all', 30_000);
        answers.noded = parseNodedPing(ping.results[0]?.output ?? ping.failure?.output ?? '');
      }
      if (answers.verifyLeftovers) warnings.push(...leftoverWarnings(node.name, answers.verifyLeftovers));
      return nodeHealth(node, answers);
    } catch (e) {
      return unreachable(node, (e as Error).message);
    }
  }));
  const health = evaluateHealth(inputs);
  return warnings.length > 0 ? { ...health, warnings } : health;
}
