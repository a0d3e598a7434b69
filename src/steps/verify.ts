import { directiveArgs } from '../hsts/conf-lines.js';
import { HSTS, SERVICES } from '../hsts/paths.js';
import { redisKeyOf } from '../hsts/redis-conf.js';
import { fileText } from './common.js';
import { startsPrimaryRedis } from './services.js';
import type { PlanContext, Step } from './types.js';
import {
  SYNC_DELAY, setSyncDelay, waitForNoded, waitForSentinelPeers, waitForSentinelQuorum, waitForPrimaryReplicas, waitForRedis, waitForReplicaLink, waitForSentinelPrimary,
} from './remote-checks.js';

/** The sync delay the primary's file asks for (Redis's default when it says nothing). */
function configuredSyncDelay(ctx: PlanContext): string {
  const text = fileText(ctx.facts.files.get(HSTS.redisConf) ?? { path: '', content: null, owner: '', group: '', mode: '' });
  return directiveArgs(text, redisKeyOf, SYNC_DELAY)[0]?.[1] ?? '5';
}

/** Every Sentinel names the same primary, the primary sees every replica, asperanoded is healthy. */
export const verifyCluster: Step = {
  id: 'verify',
  title: 'Verify: Sentinels agree and reach quorum, replicas online, asperanoded healthy',
  needs: () => ({ units: [...SERVICES] }),
  plan: () => [],
  verify(ctx) {
    const { cluster } = ctx.inventory;
    const wait = ctx.options.waitTimeoutMs / 1000;
    const ip = ctx.node.privateIp;
    const primary = ctx.roles.primary;
    const role = primary === ctx.node
      ? waitForPrimaryReplicas(ip, cluster.redisPort, ctx.inventory.nodes.filter((n) => n !== primary).map((n) => n.privateIp), cluster.redisPassword, wait)
      : waitForReplicaLink(ip, cluster.redisPort, primary.privateIp, cluster.redisPassword, wait);
    const checks = [
      waitForRedis(ip, cluster.redisPort, cluster.redisPassword, wait),
      role,
      waitForSentinelPrimary(ip, cluster.sentinelPort, cluster.primarySet, primary.privateIp, cluster.redisPassword, wait),
      waitForSentinelPeers(ip, cluster.sentinelPort, cluster.primarySet, ctx.inventory.nodes.length - 1, cluster.redisPassword, wait),
      waitForSentinelQuorum(ip, cluster.sentinelPort, cluster.primarySet, cluster.redisPassword, wait),
      waitForNoded(wait, cluster.nodedUser),
    ];
    if (startsPrimaryRedis(ctx)) {
      // The checks run side by side: set the delay back only once the replicas are online.
      const restore = setSyncDelay(ip, cluster.redisPort, configuredSyncDelay(ctx), cluster.redisPassword, 'as configured again, once the replicas are online');
      checks.push({ ...restore, code: `{\n${role.code}\n} >/dev/null || exit 1\n${restore.code}` });
    }
    return checks;
  },
};
