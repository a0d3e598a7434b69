import { maskConfigSecrets } from '../hsts/conf-lines.js';
import { HSTS } from '../hsts/paths.js';
import { renderSentinelConf } from '../hsts/sentinel-conf.js';
import { fileChange, fileFact, fileText, privateMode } from './common.js';
import type { Step } from './types.js';

/** sentinel_41415.conf on every node, owned by the noded user, group aspadmins (Sentinel rewrites it). */
export const sentinelConf: Step = {
  id: 'sentinel-conf',
  title: 'sentinel_41415.conf',
  needs: () => ({ files: [HSTS.sentinelConf] }),
  plan(ctx) {
    const { cluster } = ctx.inventory;
    const fact = fileFact(ctx, HSTS.sentinelConf);
    const content = renderSentinelConf(fileText(fact), {
      port: cluster.sentinelPort,
      bindIp: ctx.node.privateIp,
      password: cluster.redisPassword.reveal(),
      primarySet: cluster.primarySet,
      primary: { ip: ctx.roles.primary.privateIp, port: cluster.redisPort },
      quorum: cluster.quorum,
      downAfterMs: cluster.downAfterMs,
      failoverTimeoutMs: cluster.failoverTimeoutMs,
      myid: ctx.sentinelIds.get(ctx.node.name)!,
      peers: ctx.inventory.nodes.filter((n) => n !== ctx.node)
        .map((n) => ({ ip: n.privateIp, port: cluster.sentinelPort, id: ctx.sentinelIds.get(n.name)! })),
      clusterRedis: ctx.inventory.nodes.map((n) => ({ ip: n.privateIp, port: cluster.redisPort })),
    });
    const change = fileChange(this.id, fact, {
      path: HSTS.sentinelConf, content, owner: cluster.nodedUser, group: HSTS.daemonGroup, mode: privateMode(fact),
    }, {
      summary: `Sentinel monitors ${cluster.primarySet} at ${ctx.roles.primary.name}: ${HSTS.sentinelConf}`,
      mask: maskConfigSecrets,
      restarts: ['asperaredissentinel'],
    });
    return change ? [change] : [];
  },
};
