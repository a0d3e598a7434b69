import { nodeApiEndpoint, parseServerSection } from '../hsts/aspera-conf.js';
import { REDIS_CONF_DIR } from '../hsts/directory.js';
import { NEEDS, versionProblem } from '../hsts/redis-version.js';
import { HSTS, SERVICES } from '../hsts/paths.js';
import { foreignHolderProblems, isUnitProcess, listensOn } from '../hsts/port-holders.js';
import { untrustedProgramsProblem } from '../remote/trusted-programs.js';
import { untrustedShippedUnit } from '../hsts/sentinel-unit.js';
import type { Inventory } from '../inventory/load.js';
import { redisDirectoryProblems } from './redis-directory.js';
import type { NodeFacts, Step } from './types.js';

/** The users whose keystores hsts-cluster makes: the noded user and the inventory's transfer users. */
export function hstsUsers(inventory: Inventory): string[] {
  return [...new Set([inventory.cluster.nodedUser, ...inventory.cluster.transferUsers])];
}

/** Each keystore user the node lacks, with where the inventory names it. */
export function missingUserProblems(inventory: Inventory, users: ReadonlyMap<string, boolean>): string[] {
  return hstsUsers(inventory).filter((user) => users.get(user) === false).map((user) => user === inventory.cluster.nodedUser
    ? `user ${user} does not exist (cluster.nodedUser: the user that runs asperanoded)`
    : `user ${user} does not exist (listed in cluster.transferUsers, which every node must have: create it, or remove it from the list)`);
}

/** What every applying playbook needs of a node before it may change anything. */
export function nodeBasics(facts: NodeFacts): string[] {
  const problems: string[] = [];
  const untrusted = untrustedProgramsProblem(facts.untrustedPrograms);
  if (untrusted) problems.push(untrusted);
  if (!facts.isRoot) problems.push('commands do not run as root (check sudo rights of the SSH user)');
  if (!facts.hstsInstalled) problems.push(`HSTS is not installed (${HSTS.asconfigurator} or ${HSTS.asperaConf} missing)`);
  if (facts.stateProblem) problems.push(facts.stateProblem);
  return problems;
}

/**
 * The Redis and Sentinel ports on the node's private IP, where both bind: free, or held by the unit
 * that serves them (its MainPID or a child) or the noded user. The port on another address is no one's
 * concern (Docker's resolver takes a random port on 127.0.0.11).
 */
export function portProblems(facts: Pick<NodeFacts, 'listeners' | 'units' | 'userIds'>, inventory: Inventory, privateIp: string): string[] {
  const { redisPort, sentinelPort, nodedUser } = inventory.cluster;
  const nodedUid = facts.userIds.get(nodedUser) ?? null;
  return ([[redisPort, 'asperaredisd'], [sentinelPort, 'asperaredissentinel']] as const).flatMap(([port, unit]) => {
    const holders = (facts.listeners.get(port) ?? []).filter((holder) => listensOn(holder.address, privateIp));
    return foreignHolderProblems(port, holders, { unit, mainPid: facts.units.get(unit)?.mainPid ?? 0, nodedUser, nodedUid });
  });
}

/** Where this node's aspera.conf (top-level <server>) serves the Node API; null when it serves none. */
const servedNodeApi = (facts: Pick<NodeFacts, 'files'>) =>
  nodeApiEndpoint(parseServerSection(facts.files.get(HSTS.asperaConf)?.content?.toString('utf8') ?? ''));

/**
 * The noded user is whoever runs HSTS's daemons ("the user that runs asperanoded", the specification
 * says); the inventory names it (cluster.nodedUser) and hsts-cluster gives it the Redis files and a
 * keystore. A unit's own process (MainPID or its child) holding its port as another non-root account
 * shows the inventory is wrong: the keystore would go to an account asperanoded is not, and Redis
 * could not rewrite its files. Root is not judged: a daemon may start as root and serve from a child.
 */
export function daemonAccountProblems(facts: Pick<NodeFacts, 'listeners' | 'units' | 'userIds' | 'files'>, inventory: Inventory): string[] {
  const { redisPort, sentinelPort, nodedUser } = inventory.cluster;
  const nodedUid = facts.userIds.get(nodedUser) ?? null;
  if (nodedUid === null) return [];
  const api = servedNodeApi(facts);
  const served = [[redisPort, 'asperaredisd'], [sentinelPort, 'asperaredissentinel'], ...(api ? [[api.port, 'asperanoded'] as const] : [])] as const;
  return served.flatMap(([port, unit]) => {
    const mainPid = facts.units.get(unit)?.mainPid ?? 0;
    const other = (facts.listeners.get(port) ?? []).find((h) => isUnitProcess(h, mainPid) && h.uid !== 0 && h.uid !== nodedUid);
    if (!other) return [];
    const who = other.user ? `user ${other.user}` : `uid ${other.uid}`;
    return [`${unit} runs as ${who} (its process holds port ${port}), not as cluster.nodedUser ${nodedUser}: ` +
      `name in cluster.nodedUser the account HSTS runs its daemons as, or run ${unit} as ${nodedUser}`];
  });
}

/** The Redis and Sentinel ports must not be the Node API's, which aspera.conf sets per node. */
export function nodeApiPortProblems(facts: Pick<NodeFacts, 'files'>, inventory: Inventory): string[] {
  const api = servedNodeApi(facts);
  if (!api) return [];
  return (['redisPort', 'sentinelPort'] as const).filter((field) => inventory.cluster[field] === api.port)
    .map((field) => `cluster.${field} ${api.port} is the HSTS Node API's port on this node (${HSTS.asperaConf}): choose another`);
}

/** Reachable, root through sudo, HSTS present, ports free or ours, users present, firewall manageable. */
export const preflight: Step = {
  id: 'preflight',
  title: 'Pre-flight checks',
  needs: (inventory, node) => ({
    files: [HSTS.shippedSentinelUnit, HSTS.asperaConf],
    units: [...SERVICES],
    users: hstsUsers(inventory),
    firewalld: { privateIp: node.privateIp },
    directories: { paths: [REDIS_CONF_DIR], user: inventory.cluster.nodedUser },
  }),
  check(ctx) {
    const { facts, inventory } = ctx;
    const problems = nodeBasics(facts);
    const shippedUnit = facts.files.get(HSTS.shippedSentinelUnit);
    if (shippedUnit?.content === null && !shippedUnit.refused) {
      problems.push(`${HSTS.shippedSentinelUnit} is missing (an HSTS version with Redis HA support is needed)`);
    }
    const untrusted = shippedUnit ? untrustedShippedUnit(shippedUnit) : null;
    if (untrusted) problems.push(untrusted);
    problems.push(...missingUserProblems(inventory, facts.users));
    problems.push(...portProblems(facts, inventory, ctx.node.privateIp), ...daemonAccountProblems(facts, inventory), ...nodeApiPortProblems(facts, inventory), ...redisDirectoryProblems(facts));
    const tooOld = versionProblem(`${HSTS.asredis} (redis-cli)`, facts.asredisVersion, NEEDS.rediscliAuth);
    if (tooOld) problems.push(tooOld);
    if (facts.firewalldProblem) {
      problems.push(`firewalld is active but its zone could not be read: ${facts.firewalldProblem}`);
    } else if (!facts.firewalld && !facts.persistence) {
      problems.push('no way to persist iptables rules: install iptables-persistent (Debian, Ubuntu) or iptables-services (RHEL), or run firewalld');
    }
    if (facts.transfers.length > 0) {
      problems.push(`transfers in progress: ${facts.transfers.join('; ')} (let them finish, or use --wait-transfers SECONDS)`);
    }
    return problems;
  },
  plan: () => [],
};
