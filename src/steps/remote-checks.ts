import { HSTS } from '../hsts/paths.js';
import { shq } from '../ssh/shell.js';
import type { Secret } from '../util/secret.js';
import type { RemoteCommand } from '../ssh/remote-script.js';

/** bash: repeat `condition` every 0.1 s until it holds or `seconds` pass, then fail with `message`. */
export function pollUntil(condition: string, seconds: number, message: string): string {
  return [
    `deadline=$((SECONDS + ${Math.max(1, Math.ceil(seconds))}))`,
    `until ${condition}; do`,
    `  if [ "$SECONDS" -ge "$deadline" ]; then echo ${shq(message)}; echo "last answer: \${last:-none}"; exit 1; fi`,
    '  sleep 0.1',
    'done',
  ].join('\n');
}

/**
 * asredis with the password from an input file, in the environment (never argv), bounded in time:
 * whatever listens on the port may accept and never answer (a paused Redis, another program).
 */
export function asredis(ip: string, port: number, args: string, seconds = 5): string {
  return `REDISCLI_AUTH=$(cat "$IN/pw") timeout ${seconds} ${HSTS.asredis} -h ${shq(ip)} -p ${port} ${args} 2>&1`;
}

export function waitForRedis(ip: string, port: number, password: Secret, seconds: number): RemoteCommand {
  return {
    label: `wait until Redis at ${ip}:${port} answers PING`,
    code: pollUntil(`last=$(${asredis(ip, port, 'PING')}); [ "$last" = PONG ]`, seconds,
      `Redis at ${ip}:${port} did not answer PING within ${seconds} s`),
    inputs: { pw: password },
  };
}

export function waitForReplicaLink(ip: string, port: number, primaryIp: string, password: Secret, seconds: number): RemoteCommand {
  const info = asredis(ip, port, 'INFO replication');
  return {
    label: `wait until the replica at ${ip}:${port} reports its link to ${primaryIp} up`,
    code: pollUntil(
      `last=$(${info} | tr -d '\\r' | grep -E '^(role|master_host|master_link_status):' | tr '\\n' ' '); ` +
        `[ "$last" = ${shq(`role:slave master_host:${primaryIp} master_link_status:up `)} ]`,
      seconds, `the replica at ${ip}:${port} did not report master_link_status:up to ${primaryIp} within ${seconds} s`),
    inputs: { pw: password },
  };
}

export function waitForPrimaryReplicas(ip: string, port: number, replicaIps: string[], password: Secret, seconds: number): RemoteCommand {
  const info = asredis(ip, port, 'INFO replication');
  const checks = replicaIps.map((r) => `grep -Eq ${shq(`^slave[0-9]+:ip=${r.replace(/\./g, '\\.')},port=${port},state=online`)} <<<"$last"`);
  return {
    label: `check the primary at ${ip}:${port} sees ${replicaIps.length} replica(s) online`,
    code: pollUntil(`last=$(${info} | tr -d '\\r'); grep -q '^role:master' <<<"$last" ${checks.map((c) => `&& ${c}`).join(' ')}`,
      seconds, `the primary at ${ip}:${port} does not see every replica online (${replicaIps.join(', ')}) within ${seconds} s`),
    inputs: { pw: password },
  };
}

export function waitForSentinelPrimary(ip: string, port: number, primarySet: string, primaryIp: string, password: Secret, seconds: number): RemoteCommand {
  return {
    label: `check the Sentinel at ${ip}:${port} names ${primaryIp} as primary of ${primarySet}`,
    code: pollUntil(
      `last=$(${asredis(ip, port, `SENTINEL get-master-addr-by-name ${shq(primarySet)}`)} | head -n 1); [ "$last" = ${shq(primaryIp)} ]`,
      seconds, `the Sentinel at ${ip}:${port} does not name ${primaryIp} as primary of ${primarySet} within ${seconds} s`),
    inputs: { pw: password },
  };
}

/** SENTINEL SENTINELS: this Sentinel is connected to every other one (flags exactly "sentinel"). */
export function waitForSentinelPeers(ip: string, port: number, primarySet: string, peers: number, password: Secret, seconds: number): RemoteCommand {
  return {
    label: `check the Sentinel at ${ip}:${port} is connected to its ${peers} peer(s)`,
    code: pollUntil(
      `out=$(${asredis(ip, port, `SENTINEL SENTINELS ${shq(primarySet)}`)}); ` +
        `last="$(grep -A1 -x flags <<<"$out" | grep -cx sentinel) of ${peers} connected"; [ "\${last%% *}" = ${peers} ]`,
      seconds, `the Sentinel at ${ip}:${port} is not connected to all ${peers} other Sentinels within ${seconds} s`),
    inputs: { pw: password },
  };
}

/** SENTINEL CKQUORUM: enough Sentinels know each other to authorize a failover. */
export function waitForSentinelQuorum(ip: string, port: number, primarySet: string, password: Secret, seconds: number): RemoteCommand {
  return {
    label: `check the Sentinel at ${ip}:${port} reaches a quorum for ${primarySet} (SENTINEL CKQUORUM)`,
    code: pollUntil(
      `last=$(${asredis(ip, port, `SENTINEL CKQUORUM ${shq(primarySet)}`)} | head -n 1); [ "\${last%% *}" = OK ]`,
      seconds, `the Sentinel at ${ip}:${port} does not reach a quorum for ${primarySet} within ${seconds} s`),
    inputs: { pw: password },
  };
}

/**
 * asperanoded answers /ping healthy: it runs as the noded user and reaches Redis with the password
 * from that user's keystore, so this also proves the keystore askmscli made (hsts-cluster never
 * reads it). On failure the last answer (status line and body: the daemon's reason) is shown.
 */
export function waitForNoded(seconds: number, nodedUser: string): RemoteCommand {
  const port = HSTS.nodeApiPort;
  return {
    label: `check asperanoded (as ${nodedUser}, through its keystore) answers healthy on port ${port}`,
    code: pollUntil(
      `last=$( (exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET /ping HTTP/1.0\\r\\n\\r\\n' >&3 && timeout 5 cat <&3) 2>/dev/null | ` +
        `tr -d '\\r' | sed -n '1p;$p' | tr '\\n' ' '); [[ "$last" == "HTTP/"*" 200 "* ]]`,
      seconds, `asperanoded did not answer healthy on port ${port} within ${seconds} s`),
  };
}

/**
 * Redis waits repl-diskless-sync-delay (5 s by default) before a full sync, for more replicas to
 * arrive. All of ours start together, so `up` sets it to 0 at run time while they first sync and
 * sets it back once they are online. The file is not touched.
 */
export const SYNC_DELAY = 'repl-diskless-sync-delay';

export function setSyncDelay(ip: string, port: number, value: string, password: Secret, why: string): RemoteCommand {
  return {
    label: `asredis CONFIG SET ${SYNC_DELAY} ${value} (${why})`,
    code: `out=$(${asredis(ip, port, `CONFIG SET ${SYNC_DELAY} ${shq(value)}`)}); [ "$out" = OK ] || { echo "$out"; exit 1; }`,
    inputs: { pw: password },
  };
}
