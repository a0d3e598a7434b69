/**
 * Membership checks: bounded waits on what a Sentinel knows of its peers and replicas, by address
 * (a count alone can be met by a peer it only remembers). Read-only; no I/O here.
 */
import { shq } from '../../ssh/shell.js';
import type { RemoteCommand } from '../../ssh/remote-script.js';
import { asredisCode, passwordInput, redisOwner, sentinelOwner, type RedisTarget } from '../../remote/redis-cli.js';
import { pollUntil, type WaitOptions } from '../../remote/waits.js';

/**
 * bash printing the addresses of the entries of `SENTINEL SENTINELS|REPLICAS NAME` whose flags are
 * exactly `want` (connected, not down), sorted, space-separated. The reply is flat key/value lines.
 */
export function connectedAddressesCode(sentinel: Pick<RedisTarget, 'ip' | 'port' | 'owner'>, primarySet: string, list: 'SENTINELS' | 'REPLICAS', want: string): string {
  const awk = `NR%2==1{k=$0;next} k=="ip"{ip=$0} k=="flags"&&$0==${JSON.stringify(want)}{print ip}`;
  return `${asredisCode(sentinel, ['SENTINEL', list, primarySet])} | tr -d '\\r' | awk ${shq(awk)} | sort | tr '\\n' ' '`;
}

/** Until the Sentinel at `sentinel` is connected to each of `peers` and sees each of `replicas` as a replica. */
export function waitForSentinelMembers(
  sentinel: RedisTarget, primarySet: string, members: { peers: string[]; replicas: string[] }, wait: WaitOptions,
): RemoteCommand {
  const has = (varName: string, ips: string[]) => ips.map((ip) => `[[ " $${varName} " == *${shq(` ${ip} `)}* ]]`);
  const checks = [...has('peers', members.peers), ...has('replicas', members.replicas)];
  return {
    label: `wait until the Sentinel at ${sentinel.ip}:${sentinel.port} counts peers ${members.peers.join(', ')} and replicas ${members.replicas.join(', ')}`,
    code: pollUntil({
      ...wait,
      condition: `peers=$(${connectedAddressesCode(sentinel, primarySet, 'SENTINELS', 'sentinel')}); ` +
        `replicas=$(${connectedAddressesCode(sentinel, primarySet, 'REPLICAS', 'slave')}); ` +
        `last="peers: $peers; replicas: $replicas"; ${checks.length ? checks.join(' && ') : 'true'}`,
      message: `the Sentinel at ${sentinel.ip}:${sentinel.port} does not count every member within ${wait.timeoutMs / 1000} s`,
    }),
    inputs: passwordInput(sentinel),
  };
}

/** Until the Sentinel counts exactly `peers` other Sentinels and `replicas` replicas (SENTINEL MASTER). */
export function waitForSentinelCounts(sentinel: RedisTarget, primarySet: string, counts: { peers: number; replicas: number }, wait: WaitOptions): RemoteCommand {
  const awk = 'NR%2==1{k=$0;next} k=="num-slaves"{r=$0} k=="num-other-sentinels"{s=$0} END{print "replicas=" r " peers=" s}';
  const want = `replicas=${counts.replicas} peers=${counts.peers}`;
  return {
    label: `wait until the Sentinel at ${sentinel.ip}:${sentinel.port} counts ${counts.peers} peer(s) and ${counts.replicas} replica(s)`,
    code: pollUntil({
      ...wait,
      condition: `last=$(${asredisCode(sentinel, ['SENTINEL', 'MASTER', primarySet])} | tr -d '\\r' | awk ${shq(awk)}); [ "$last" = ${shq(want)} ]`,
      message: `the Sentinel at ${sentinel.ip}:${sentinel.port} does not count ${want} within ${wait.timeoutMs / 1000} s`,
    }),
    inputs: passwordInput(sentinel),
  };
}

/**
 * SENTINEL RESET on one Sentinel: it forgets every peer and replica it knows and rediscovers the
 * live ones (the only way a Sentinel forgets a removed one). Fails unless it reset the primary set.
 */
export function sentinelReset(sentinel: RedisTarget, primarySet: string): RemoteCommand {
  return {
    label: `asredis -h ${sentinel.ip} -p ${sentinel.port} SENTINEL RESET ${primarySet}`,
    code: `out=$(${asredisCode(sentinel, ['SENTINEL', 'RESET', primarySet])}); echo "$out"; [ "$(head -n 1 <<<"$out")" = 1 ]`,
    inputs: passwordInput(sentinel),
  };
}

/**
 * Detach a removed member over the network, from a member it can still reach (the firewalls close
 * later in the run): its Sentinel stops monitoring the primary set (SENTINEL REMOVE: it never votes
 * or fails over again) and its Redis shuts down without saving, so that HSTS on it cannot read a
 * stale database. A node that does not answer is reported and skipped (it may be gone for good).
 */
export function detachOverNetwork(
  removed: { ip: string; redisPort: number; sentinelPort: number; password: RedisTarget['password']; nodedUser: string }, primarySet: string,
): RemoteCommand {
  const sentinel = { ip: removed.ip, port: removed.sentinelPort, owner: sentinelOwner(removed.nodedUser) };
  const redis = { ip: removed.ip, port: removed.redisPort, owner: redisOwner(removed.nodedUser) };
  return {
    label: `detach ${removed.ip}: SENTINEL REMOVE ${primarySet} on its Sentinel, SHUTDOWN NOSAVE on its Redis`,
    code: [
      `s=$(${asredisCode(sentinel, ['SENTINEL', 'REMOVE', primarySet], { timeoutS: 3 })}); echo "Sentinel: $s"`,
      `r=$(${asredisCode(redis, ['PING'], { timeoutS: 3 })})`,
      'if [ "$r" = PONG ]; then',
      `${asredisCode(redis, ['SHUTDOWN', 'NOSAVE'], { timeoutS: 3 })} >/dev/null`,
      pollUntil({
        timeoutMs: 30_000, intervalMs: 200,
        condition: `last=$(${asredisCode(redis, ['PING'], { timeoutS: 3 })}); [ "$last" != PONG ]`,
        message: `Redis at ${removed.ip} still answers after SHUTDOWN NOSAVE`,
      }),
      'echo "Redis: shut down"',
      'else echo "Redis: not answering ($r), skipped"; fi',
    ].join('\n'),
    inputs: passwordInput(removed),
  };
}
