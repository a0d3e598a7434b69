import { directiveArgs, maskConfigSecrets } from '../hsts/conf-lines.js';
import { REDIS_CONF_DIR } from '../hsts/directory.js';
import { HSTS } from '../hsts/paths.js';
import { redisKeyOf, renderRedisConf, type RedisConfInput } from '../hsts/redis-conf.js';
import { fileChange, fileFact, fileText, privateMode } from './common.js';
import { redisDirectoryChange } from './redis-directory.js';
import type { PlanContext, Step } from './types.js';

function fileReplicaOf(text: string | null): RedisConfInput['replicaOf'] {
  const args = directiveArgs(text, redisKeyOf, 'replicaof')[0];
  return args && args.length >= 3 ? { ip: args[1]!, port: Number(args[2]) } : null;
}

/** Whether the running Redis already has the role the file is about to record. */
function runningAs(ctx: PlanContext, replicaOf: RedisConfInput['replicaOf']): boolean {
  const redis = ctx.facts.runtime.redis;
  if (!redis || ctx.facts.units.get('asperaredisd')?.active !== 'active') return false;
  if (replicaOf === null) return redis.role === 'master';
  return redis.role === 'slave' && redis.masterHost === replicaOf.ip && redis.masterPort === replicaOf.port;
}

/** Whether this Redis already holds (or, once started, syncs) the primary's data rather than its own. */
function replicatesAlready(ctx: PlanContext, current: string | null, replicaOf: RedisConfInput['replicaOf']): boolean {
  const inFile = fileReplicaOf(current);
  return (inFile !== null && inFile.ip === replicaOf?.ip && inFile.port === replicaOf.port) || runningAs(ctx, replicaOf);
}

/** aspera_31415.conf per role: bind, requirepass, masterauth, save, and replicaof on replicas. */
export const redisConf: Step = {
  id: 'redis-conf',
  title: 'aspera_31415.conf: Redis primary / replica',
  needs: (inventory) => ({
    files: [HSTS.redisConf], users: [inventory.cluster.nodedUser], directories: { paths: [REDIS_CONF_DIR], user: inventory.cluster.nodedUser },
  }),
  plan(ctx) {
    const { cluster } = ctx.inventory;
    const fact = fileFact(ctx, HSTS.redisConf);
    const current = fileText(fact);
    const isPrimary = ctx.roles.primary === ctx.node;
    const input: RedisConfInput = {
      port: cluster.redisPort,
      bindIp: ctx.node.privateIp,
      password: cluster.redisPassword.reveal(),
      replicaOf: isPrimary ? null : { ip: ctx.roles.primary.privateIp, port: cluster.redisPort },
      save: cluster.save,
    };
    const content = renderRedisConf(current, input);
    // After a failover Sentinel re-points Redis at run time before Redis records it in the file:
    // when only replicaof is behind and the running Redis already has that role, write, don't restart.
    const onlyRoleBehind = current !== null && content !== current &&
      renderRedisConf(current, { ...input, replicaOf: fileReplicaOf(current) }) === current && runningAs(ctx, input.replicaOf);
    const change = fileChange(this.id, fact, {
      path: HSTS.redisConf, content, owner: cluster.nodedUser, group: HSTS.daemonGroup, mode: privateMode(fact),
    }, {
      summary: `${isPrimary ? 'primary' : `replica of ${ctx.roles.primary.name}`}: ${HSTS.redisConf}` +
        (onlyRoleBehind ? ' (records the role Redis already runs with; no restart)' : ''),
      mask: maskConfigSecrets,
      restarts: onlyRoleBehind ? [] : ['asperaredisd'],
    });
    if (change && !isPrimary && !replicatesAlready(ctx, current, input.replicaOf)) change.touches.push({ kind: 'redis-data' });
    // The directory first: Redis may rewrite its file as soon as it runs again.
    return [redisDirectoryChange(this.id, ctx), change].filter((c) => c !== null);
  },
};
