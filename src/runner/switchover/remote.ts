import { HSTS } from '../../hsts/paths.js';
import type { RemoteCommand } from '../../ssh/remote-script.js';
import { CONFIG_MAX_BYTES, OPEN_FUNCTION } from '../../remote/safe-files.js';
import { shq } from '../../ssh/shell.js';
import { asredis, asredisCode, passwordInput, type RedisTarget } from '../../remote/redis-cli.js';

/**
 * The Redis and Sentinel calls of a planned switchover. Each fails (non-zero exit) unless the
 * server answers what success looks like, since asredis itself exits 0 on an error reply.
 */
function expectReply(label: string, target: RedisTarget, args: string[], ok: RegExp): RemoteCommand {
  return {
    label,
    code: `out=$(${asredisCode(target, args)}); echo "$out"; printf '%s' "$out" | grep -Eq ${shqRegex(ok)}`,
    inputs: passwordInput(target),
  };
}

function shqRegex(re: RegExp): string {
  return `'${re.source.replace(/'/g, "'\\''")}'`;
}

/** Holds every write on the primary (reads go on) for at most `ms`: no new data enters its replication stream. */
export function pauseWrites(redis: RedisTarget, ms: number): RemoteCommand {
  return expectReply(`asredis CLIENT PAUSE ${ms} WRITE (${redis.ip})`, redis, ['CLIENT', 'PAUSE', String(ms), 'WRITE'], /^OK/);
}

export function unpauseWrites(redis: RedisTarget): RemoteCommand {
  return expectReply(`asredis CLIENT UNPAUSE (${redis.ip})`, redis, ['CLIENT', 'UNPAUSE'], /^OK/);
}

/** `SENTINEL CKQUORUM`: this Sentinel reaches enough others to authorize a failover. */
export function checkQuorum(sentinel: RedisTarget, primarySet: string): RemoteCommand {
  return asredis(sentinel, ['SENTINEL', 'CKQUORUM', primarySet]);
}

/** Sentinel promotes the best replica now, without waiting for the primary to fail. */
export function sentinelFailover(sentinel: RedisTarget, primarySet: string): RemoteCommand {
  return expectReply(`asredis SENTINEL FAILOVER ${primarySet}`, sentinel, ['SENTINEL', 'FAILOVER', primarySet], /^OK/);
}

/**
 * Turns the old primary into a replica of the new one and records that in its file, as Sentinel's
 * own reconfiguration does (REPLICAOF, then CONFIG REWRITE). Sentinel would do it too, but only
 * seconds later, and only once the primary answers its PUBLISH, which a write pause holds.
 */
export function followPrimary(redis: RedisTarget, primary: { ip: string; port: number }): RemoteCommand {
  return {
    label: `asredis REPLICAOF ${primary.ip} ${primary.port} and CONFIG REWRITE (${redis.ip})`,
    code: [
      `out=$(${asredisCode(redis, ['REPLICAOF', primary.ip, String(primary.port)])}); echo "$out"`,
      'case "$out" in OK*) ;; *) exit 1 ;; esac',
      `out=$(${asredisCode(redis, ['CONFIG', 'REWRITE'])}); echo "$out"`,
      '[ "$out" = OK ]',
    ].join('\n'),
    inputs: passwordInput(redis),
  };
}

/**
 * After a replica-priority was put back at run time: when a CONFIG REWRITE (Sentinel's, during the
 * failover) wrote the lowered value into the file, rewrite the file again so that a restart keeps
 * the node promotable. A file that does not say `replica-priority 0` is left as it is.
 */
export function rewriteLoweredPriority(redis: RedisTarget): RemoteCommand {
  return {
    label: `asredis CONFIG REWRITE where ${HSTS.redisConf} holds replica-priority 0 (${redis.ip})`,
    code: [
      // The file is in the noded user's directory: opened as every such read is (safe-files).
      OPEN_FUNCTION,
      `[ -e ${shq(HSTS.redisConf)} ] || [ -L ${shq(HSTS.redisConf)} ] || { echo unchanged; exit 0; }`,
      `__open ${shq(HSTS.redisConf)} ${CONFIG_MAX_BYTES} || { echo "${HSTS.redisConf}: $why"; exit 1; }`,
      // No grep -q: stopping early would fail head with SIGPIPE under a caller's pipefail.
      `head -c ${CONFIG_MAX_BYTES} <&3 | grep -E '^replica-priority "?0"?$' >/dev/null || { echo unchanged; exit 0; }`,
      `out=$(${asredisCode(redis, ['CONFIG', 'REWRITE'])}); echo "$out"`,
      '[ "$out" = OK ]',
    ].join('\n'),
    inputs: passwordInput(redis),
  };
}
