import { HSTS, SERVICES } from '../hsts/paths.js';
import type { Inventory } from '../inventory/load.js';
import type { NodeFacts, Step } from './types.js';

export function hstsUsers(inventory: Inventory): string[] {
  return [...new Set([inventory.cluster.nodedUser, 'xfer', ...inventory.cluster.transferUsers])];
}

/** What every applying playbook needs of a node before it may change anything. */
export function nodeBasics(facts: NodeFacts): string[] {
  const problems: string[] = [];
  if (!facts.isRoot) problems.push('commands do not run as root (check sudo rights of the SSH user)');
  if (!facts.hstsInstalled) problems.push(`HSTS is not installed (${HSTS.asconfigurator} or ${HSTS.asperaConf} missing)`);
  if (facts.stateProblem) problems.push(facts.stateProblem);
  return problems;
}

const REDIS_PROGRAMS = new Set(['redis-server', 'redis-sentinel', 'redis-check-rdb']);

/** Reachable, root through sudo, HSTS present, ports free or ours, users present, firewall manageable. */
export const preflight: Step = {
  id: 'preflight',
  title: 'Pre-flight checks',
  needs: (inventory, node) => ({
    files: [HSTS.shippedSentinelUnit],
    units: [...SERVICES],
    users: hstsUsers(inventory),
    firewalld: { privateIp: node.privateIp },
  }),
  check(ctx) {
    const { facts, inventory } = ctx;
    const problems = nodeBasics(facts);
    if (facts.files.get(HSTS.shippedSentinelUnit)?.content === null) {
      problems.push(`${HSTS.shippedSentinelUnit} is missing (an HSTS version with Redis HA support is needed)`);
    }
    for (const [user, exists] of facts.users) {
      if (!exists) problems.push(`user ${user} does not exist (needed for its keystore: askmscli -i -u ${user})`);
    }
    for (const port of [inventory.cluster.redisPort, inventory.cluster.sentinelPort]) {
      const holders = (facts.listeners.get(port) ?? []).filter((name) => !REDIS_PROGRAMS.has(name));
      if (holders.length > 0) problems.push(`port ${port} is in use by ${[...new Set(holders)].join(', ')}`);
    }
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
