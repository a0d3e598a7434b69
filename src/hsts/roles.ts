import type { ClusterNode, Inventory } from '../inventory/load.js';
import { describeDataset, newestDatasets } from './cold-start.js';
import type { NodeFacts } from './node-facts.js';
import { HSTS } from './paths.js';
import { monitoredPrimary } from './sentinel-conf.js';

export class RolesError extends Error {}

export interface Roles {
  /** The node that is (or will be) the Redis primary. */
  primary: ClusterNode;
  /** Why this node: "inventory", or what the Sentinels or Redis said. */
  reason: string;
  warnings: string[];
}

/** Which nodes name which primary address: the answering Sentinels, or the Sentinels' files. */
interface Tally {
  /** "Sentinels" or "Sentinel files", and one of them, for messages. */
  what: string;
  one: string;
  votes: Map<string, string[]>;
}

function tally(inventory: Inventory, [what, one]: [string, string], named: (node: ClusterNode) => string | undefined): Tally {
  const votes = new Map<string, string[]>();
  for (const node of inventory.nodes) {
    const ip = named(node);
    if (ip) votes.set(ip, [...(votes.get(ip) ?? []), node.name]);
  }
  return { what, one, votes };
}

/** The node a majority of the voters names; throws when there is none or it is not in the inventory. */
function majority({ what, one, votes }: Tally, byIp: Map<string, ClusterNode>, warnings: string[]): { chosen: ClusterNode; names: string[] } {
  const voters = [...votes.values()].reduce((n, names) => n + names.length, 0);
  const ranked = [...votes.entries()].sort((a, b) => b[1].length - a[1].length);
  const [ip, names] = ranked[0]!;
  const views = ranked.map(([addr, who]) => `${who.join(', ')} name ${addr}`).join('; ');
  if (names.length * 2 <= voters) throw new RolesError(`the ${what} disagree on the primary (${views}); resolve that before running up`);
  const chosen = byIp.get(ip);
  if (!chosen) throw new RolesError(`the ${what} name ${ip} as primary, which is not in the inventory (${views})`);
  if (ranked.length > 1) warnings.push(`not every ${one} agrees on the primary (${views}); following the majority`);
  return { chosen, names };
}

/**
 * Who the primary is. A running cluster is asked before the inventory is believed: re-running `up`
 * after a failover must keep the new primary (demoting it would throw away the newest writes).
 *  1. The Sentinels that answer name a primary: a majority of them decides.
 *  2. No Sentinel answers, but one node's Redis is a primary with replicas attached: that node.
 *  3. A cold start (a majority of the nodes have Sentinel files of this cluster, so it ran before):
 *     the node with the newest dataset (replication offset, then RDB time), whatever the files or
 *     the inventory say: starting another one as primary would throw that node's newest writes away.
 *  4. Sentinel files name a primary (a stopped cluster whose datasets do not tell): a majority of
 *     them decides. Sentinel records a failover in its file, so a stopped cluster keeps its new primary too.
 *  5. Otherwise (fresh, standalone nodes): the inventory's primary.
 */
export function resolveRoles(inventory: Inventory, facts: Map<string, NodeFacts>): Roles {
  const byIp = new Map(inventory.nodes.map((node) => [node.privateIp, node]));
  const declared = inventory.nodes.find((node) => node.role === 'primary')!;
  const warnings: string[] = [];
  const note = (chosen: ClusterNode, reason: string): Roles => {
    if (chosen !== declared) {
      warnings.push(
        `keeping ${chosen.name} (${chosen.privateIp}) as primary: ${reason}; the inventory says ${declared.name}. ` +
          'Set its role to "primary" in the inventory, or fail back with `hsts-cluster verify --failover --failback`.',
      );
    } else if (reason.startsWith('cold start')) {
      warnings.push(`starting ${chosen.name} (${chosen.privateIp}) as primary: ${reason}`);
    }
    return { primary: chosen, reason, warnings };
  };

  const sentinels = tally(inventory, ['Sentinels', 'Sentinel'], (node) => facts.get(node.name)?.runtime.sentinelPrimary?.ip);
  if (sentinels.votes.size > 0) {
    const { chosen, names } = majority(sentinels, byIp, warnings);
    return note(chosen, `the Sentinels on ${names.join(', ')} name it`);
  }

  const leading = inventory.nodes.filter((node) => {
    const redis = facts.get(node.name)?.runtime.redis;
    return redis?.role === 'master' && redis.replicas.some((r) => byIp.has(r.ip));
  });
  if (leading.length > 1) {
    throw new RolesError(`${leading.map((n) => n.name).join(' and ')} are each a primary with replicas; resolve the split before running up`);
  }
  if (leading.length === 1) return note(leading[0]!, 'its Redis is the primary its replicas follow (no Sentinel answered)');

  const files = tally(inventory, ['Sentinel files', 'Sentinel file'], (node) => {
    const text = facts.get(node.name)?.files.get(HSTS.sentinelConf)?.content?.toString('utf8') ?? null;
    return monitoredPrimary(text, inventory.cluster.primarySet)?.ip;
  });
  const withFile = [...files.votes.values()].flat();
  if (withFile.length * 2 > inventory.nodes.length) {
    const newest = coldStartChoice(inventory, facts, files, byIp, declared);
    if (newest) return note(newest.chosen, newest.reason);
  }
  if (withFile.length > 0 && withFile.length * 2 <= inventory.nodes.length) {
    // A minority of files (a node reused from another cluster, a hand-made file) is no record of
    // this cluster's last primary.
    warnings.push(`only ${withFile.join(', ')} of ${inventory.nodes.length} nodes ha${withFile.length === 1 ? 's' : 've'} a Sentinel file naming a primary; following the inventory`);
  } else if (files.votes.size > 0) {
    const { chosen, names } = majority(files, byIp, warnings);
    return note(chosen, `the Sentinel files on ${names.join(', ')} name it (no Sentinel answered)`);
  }

  for (const node of inventory.nodes) {
    const keys = facts.get(node.name)?.runtime.redisKeys ?? 0;
    if (node !== declared && keys > 0 && facts.get(node.name)?.runtime.redis?.role === 'master') {
      warnings.push(`${node.name} holds ${keys} key(s) of its own; as a replica of ${declared.name} it will hold ${declared.name}'s data instead (its own is copied into the run's snapshot, for a rollback)`);
    }
  }
  return { primary: declared, reason: 'the inventory names it', warnings };
}

/**
 * A cold start's choice: the one node whose dataset is newest. When several tie (replicas that were
 * in sync), null: the Sentinel files decide among equals, as for any stopped cluster, unless they
 * name a node whose data is older, then the first tied node (the inventory's primary if it is one).
 */
function coldStartChoice(
  inventory: Inventory, facts: Map<string, NodeFacts>, files: Tally, byIp: Map<string, ClusterNode>, declared: ClusterNode,
): { chosen: ClusterNode; reason: string } | null {
  const newest = newestDatasets(inventory.nodes.map((node) => ({ name: node.name, dataset: facts.get(node.name)?.runtime.dataset })));
  if (newest.length === 0) return null;
  const dataset = (node: ClusterNode) => describeDataset(facts.get(node.name)!.runtime.dataset!);
  const filesChoice = [...files.votes.entries()].sort((a, b) => b[1].length - a[1].length)[0]?.[0];
  const named = filesChoice ? byIp.get(filesChoice) : undefined;
  if (newest.length > 1 && named && newest.includes(named.name)) return null;
  const chosen = newest.length === 1 ? inventory.nodes.find((n) => n.name === newest[0])! : newest.includes(declared.name) ? declared : inventory.nodes.find((n) => n.name === newest[0])!;
  const tied = newest.length > 1 ? ` (tied with ${newest.filter((n) => n !== chosen.name).join(', ')})` : '';
  return { chosen, reason: `cold start: no Sentinel answered and no Redis had replicas; it holds the newest data${tied}: ${dataset(chosen)}` };
}
