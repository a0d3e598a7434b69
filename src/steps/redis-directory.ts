/**
 * /opt/aspera/etc/redis must let the noded user create files: Redis's CONFIG REWRITE and Sentinel's
 * config saves write a temporary file there (Redis 6.0.9 and later) and fail otherwise ("Failed to
 * save config file"). The fix is the specification's chown of the two files, extended to their
 * directory: NODED:GROUP, the mode kept with owner write and search added.
 */
import { canCreateIn, REDIS_CONF_DIR } from '../hsts/directory.js';
import { HSTS } from '../hsts/paths.js';
import { setDirectoryOwnership } from '../remote/files.js';
import type { Change, NodeFacts, PlanContext } from './types.js';

/** Pre-flight: a directory `up` cannot fix (missing, a symlink, not a directory). */
export function redisDirectoryProblems(facts: Pick<NodeFacts, 'directories'>): string[] {
  const dir = facts.directories.get(REDIS_CONF_DIR);
  if (!dir || dir.kind === 'directory') return [];
  return [`${REDIS_CONF_DIR} is ${dir.kind === 'missing' ? 'missing' : dir.kind === 'symlink' ? 'a symlink' : 'not a directory'} (Redis and Sentinel rewrite their files there)`];
}

/** The chown that lets the noded user create files in the directory, when it cannot yet. */
export function redisDirectoryChange(step: string, ctx: PlanContext): Change | null {
  const { nodedUser } = ctx.inventory.cluster;
  const dir = ctx.facts.directories.get(REDIS_CONF_DIR);
  const uid = ctx.facts.userIds.get(nodedUser);
  if (!dir?.exists || uid === undefined || canCreateIn(dir, { uid, gids: ctx.facts.nodedGids })) return null;
  const mode = (parseInt(dir.mode, 8) | 0o300).toString(8);
  const spec = { owner: nodedUser, group: HSTS.daemonGroup, mode };
  return {
    step,
    summary: `${REDIS_CONF_DIR}: ${dir.owner}:${dir.group} ${dir.mode} -> ${spec.owner}:${spec.group} ${spec.mode} (Redis and Sentinel save their files there)`,
    diff: `# ${REDIS_CONF_DIR}: ${dir.owner}:${dir.group} ${dir.mode} -> ${spec.owner}:${spec.group} ${spec.mode}\n`,
    commands: [setDirectoryOwnership(REDIS_CONF_DIR, spec)],
    touches: [{ kind: 'directory', path: REDIS_CONF_DIR }],
  };
}
