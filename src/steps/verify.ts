import { nodeApiOf, type NodeApiEndpoint } from '../hsts/aspera-conf.js';
import { directiveArgs } from '../hsts/conf-lines.js';
import { HSTS, SERVICES } from '../hsts/paths.js';
import { redisKeyOf } from '../hsts/redis-conf.js';
import { fileText } from './common.js';
import { keptStopped } from '../hsts/maintenance.js';
import { maintenanceOf, startsPrimaryRedis } from './services.js';
import type { PlanContext, Step } from './types.js';
import { onceSucceeded } from '../remote/compose.js';
import { waitForNoded } from '../remote/noded.js';
import { redisOf, sentinelOf } from '../remote/redis-cli.js';
import {
  SYNC_DELAY, setSyncDelay, waitForSentinelPeers, waitForSentinelQuorum, waitForSentinelReplicas, waitForPrimaryReplicas, waitForRedis, waitForReplicaLink, waitForSentinelPrimary,
} from '../remote/readiness.js';

/** The sync delay the primary's file asks for (Redis's default when it says nothing). */
function configuredSyncDelay(ctx: PlanContext): string {
  const text = fileText(ctx.facts.files.get(HSTS.redisConf) ?? { path: '', content: null, owner: '', group: '', mode: '' });
  return directiveArgs(text, redisKeyOf, SYNC_DELAY)[0]?.[1] ?? '5';
}

/** The Node API address aspera.conf gives (IBM's default where it says nothing usable). */
function nodeApiAt(ctx: PlanContext): NodeApiEndpoint {
  return nodeApiOf(ctx.facts.files.get(HSTS.asperaConf)?.content?.toString('utf8') ?? null);
}

/** Every Sentinel names the same primary and knows every peer and replica, the primary sees every replica, asperanoded is healthy. */
export const verifyCluster: Step = {
  id: 'verify',
  title: 'Verify: Sentinels agree, know every node and reach quorum, replicas online, asperanoded healthy',
  needs: () => ({ units: [...SERVICES], files: [HSTS.maintenanceFile, HSTS.asperaConf] }),
  plan: () => [],
  readinessChecks(ctx) {
    const { cluster } = ctx.inventory;
    const wait = { timeoutMs: ctx.options.waitTimeoutMs };
    const redis = redisOf(cluster, ctx.node);
    const sentinel = sentinelOf(cluster, ctx.node);
    const primary = ctx.roles.primary;
    const role = primary === ctx.node
      ? waitForPrimaryReplicas(redis, ctx.inventory.nodes.filter((n) => n !== primary).map((n) => n.privateIp), wait)
      : waitForReplicaLink(redis, primary.privateIp, wait);
    const checks = [
      waitForRedis(redis, wait),
      role,
      waitForSentinelPrimary(sentinel, cluster.primarySet, primary.privateIp, wait),
      waitForSentinelPeers(sentinel, cluster.primarySet, ctx.inventory.nodes.length - 1, wait),
      waitForSentinelReplicas(sentinel, cluster.primarySet, ctx.inventory.nodes.length - 1, wait),
      waitForSentinelQuorum(sentinel, cluster.primarySet, wait),
    ];
    // A node in maintenance whose asperanoded was stopped is not asked for it (up leaves it stopped).
    if (!keptStopped(maintenanceOf(ctx)).has('asperanoded')) checks.push(waitForNoded(cluster.nodedUser, wait, nodeApiAt(ctx)));
    if (startsPrimaryRedis(ctx)) {
      // The checks run side by side: set the delay back only once the replicas are online.
      checks.push(onceSucceeded(role, setSyncDelay(redis, configuredSyncDelay(ctx), 'as configured again, once the replicas are online')));
    }
    return checks;
  },
};
