/** What each reached node says about the cluster's membership, read from the facts `up` gathers. */
import { parseServerSection } from '../../hsts/aspera-conf.js';
import { directiveArgs } from '../../hsts/conf-lines.js';
import { HSTS } from '../../hsts/paths.js';
import { monitoredPrimary, sentinelKeyOf } from '../../hsts/sentinel-conf.js';
import type { Inventory } from '../../inventory/load.js';
import type { NodeFacts } from '../../steps/types.js';
import type { MemberView, MembershipInput } from './plan.js';

const text = (facts: NodeFacts, path: string) => facts.files.get(path)?.content?.toString('utf8') ?? null;

/** The addresses Sentinel lists under `sentinel known-sentinel|known-replica NAME IP PORT ...`. */
function knownAddresses(conf: string | null, primarySet: string, what: 'known-sentinel' | 'known-replica'): string[] {
  const lines = [...directiveArgs(conf, sentinelKeyOf, `sentinel ${what} ${primarySet}`),
    ...(what === 'known-replica' ? directiveArgs(conf, sentinelKeyOf, `sentinel known-slave ${primarySet}`) : [])];
  return lines.map((args) => args[3] ?? '').filter(Boolean);
}

export function memberView(inventory: Inventory, name: string, ip: string, facts: NodeFacts): MemberView {
  const primarySet = inventory.cluster.primarySet;
  const sentinel = text(facts, HSTS.sentinelConf);
  const dbHost = parseServerSection(text(facts, HSTS.asperaConf) ?? '').db_host ?? '';
  return {
    name,
    ip,
    dbHosts: dbHost.split(',').map((h) => h.trim()).filter(Boolean),
    sentinelPeers: knownAddresses(sentinel, primarySet, 'known-sentinel'),
    sentinelReplicas: knownAddresses(sentinel, primarySet, 'known-replica'),
    sentinelPrimary: facts.runtime.sentinelPrimary?.ip ?? monitoredPrimary(sentinel, primarySet)?.ip ?? null,
    sentinelAnswers: facts.runtime.sentinelPrimary !== undefined && facts.runtime.sentinelPrimary !== null,
  };
}

/** The decision's input: the inventory, each node's view, and the current primary. */
export function membershipInput(inventory: Inventory, facts: Map<string, NodeFacts>, primaryIp: string): MembershipInput {
  return {
    desired: inventory.nodes.map((n) => ({ name: n.name, ip: n.privateIp })),
    views: inventory.nodes.filter((n) => facts.has(n.name)).map((n) => memberView(inventory, n.name, n.privateIp, facts.get(n.name)!)),
    primaryIp,
    declaredPrimary: inventory.nodes.find((n) => n.role === 'primary')!.privateIp,
  };
}
