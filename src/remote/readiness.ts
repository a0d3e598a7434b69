/**
 * Readiness checks: read-only, bounded waits on the running cluster, one command each. Steps run
 * them after their changes (Step.readinessChecks), so a run fails where the cluster did not come up.
 */
import { shq } from '../ssh/shell.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { asredisCode, configSet, passwordInput, type RedisTarget } from './redis-cli.js';
import { pollUntil, type WaitOptions } from './waits.js';

const within = (wait: WaitOptions) => `within ${wait.timeoutMs / 1000} s`;
const at = (t: RedisTarget) => `${t.ip}:${t.port}`;

export function waitForRedis(redis: RedisTarget, wait: WaitOptions): RemoteCommand {
  return {
    label: `wait until Redis at ${at(redis)} answers PING`,
    code: pollUntil({ ...wait, condition: `last=$(${asredisCode(redis, ['PING'])}); [ "$last" = PONG ]`,
      message: `Redis at ${at(redis)} did not answer PING ${within(wait)}` }),
    inputs: passwordInput(redis),
  };
}

export function waitForReplicaLink(replica: RedisTarget, primaryIp: string, wait: WaitOptions): RemoteCommand {
  const info = asredisCode(replica, ['INFO', 'replication']);
  return {
    label: `wait until the replica at ${at(replica)} reports its link to ${primaryIp} up`,
    code: pollUntil({
      ...wait,
      condition: `last=$(${info} | tr -d '\\r' | grep -E '^(role|master_host|master_link_status):' | tr '\\n' ' '); ` +
        `[ "$last" = ${shq(`role:slave master_host:${primaryIp} master_link_status:up `)} ]`,
      message: `the replica at ${at(replica)} did not report master_link_status:up to ${primaryIp} ${within(wait)}`,
    }),
    inputs: passwordInput(replica),
  };
}

/**
 * The replicas' addresses travel as an input ($IN/replicas, one a line), not in the script: the
 * script is the remote command line, and a check per replica in it made it grow with the cluster
 * (past SSH's 32 KiB packet minimum near 200 nodes, toward Linux's 128 KiB limit per argument),
 * with a grep per replica on every poll.
 */
export const onlineReplicasCondition = (info: string, port: number) =>
  `last=$(${info} | tr -d '\r'); grep -q '^role:master' <<<"$last" && ` +
  `[ -z "$(sed -nE ${shq(`s/^slave[0-9]+:ip=([^,]+),port=${port},state=online(,.*)?$/\\1/p`)} <<<"$last" | grep -vxF -f - "$IN/replicas")" ]`;

export function waitForPrimaryReplicas(primary: RedisTarget, replicaIps: string[], wait: WaitOptions): RemoteCommand {
  const info = asredisCode(primary, ['INFO', 'replication']);
  return {
    label: `check the primary at ${at(primary)} sees ${replicaIps.length} replica(s) online`,
    code: pollUntil({
      ...wait,
      condition: onlineReplicasCondition(info, primary.port),
      message: `the primary at ${at(primary)} does not see all ${replicaIps.length} replica(s) online ${within(wait)}`,
    }),
    inputs: { ...passwordInput(primary), replicas: replicaIps.map((ip) => `${ip}\n`).join('') },
  };
}

export function waitForSentinelPrimary(sentinel: RedisTarget, primarySet: string, primaryIp: string, wait: WaitOptions): RemoteCommand {
  return {
    label: `check the Sentinel at ${at(sentinel)} names ${primaryIp} as primary of ${primarySet}`,
    code: pollUntil({
      ...wait,
      condition: `last=$(${asredisCode(sentinel, ['SENTINEL', 'get-master-addr-by-name', primarySet])} | head -n 1); [ "$last" = ${shq(primaryIp)} ]`,
      message: `the Sentinel at ${at(sentinel)} does not name ${primaryIp} as primary of ${primarySet} ${within(wait)}`,
    }),
    inputs: passwordInput(sentinel),
  };
}

/** SENTINEL SENTINELS: this Sentinel is connected to every other one (flags exactly "sentinel"). */
export function waitForSentinelPeers(sentinel: RedisTarget, primarySet: string, peers: number, wait: WaitOptions): RemoteCommand {
  return {
    label: `check the Sentinel at ${at(sentinel)} is connected to its ${peers} peer(s)`,
    code: pollUntil({
      ...wait,
      condition: `out=$(${asredisCode(sentinel, ['SENTINEL', 'SENTINELS', primarySet])}); ` +
        `last="$(grep -A1 -x flags <<<"$out" | grep -cx sentinel) of ${peers} connected"; [ "\${last%% *}" = ${peers} ]`,
      message: `the Sentinel at ${at(sentinel)} is not connected to all ${peers} other Sentinels ${within(wait)}`,
    }),
    inputs: passwordInput(sentinel),
  };
}

/**
 * SENTINEL MASTER num-slaves: the Sentinel has found every replica. It learns them from the
 * primary's INFO, asked every 10 s, so a Sentinel (re)started before the replicas linked counts
 * none for up to 10 s, and status calls that DEGRADED. More than expected is stale state, which
 * membership changes clear; this wait only asks that discovery be done.
 */
export const foundReplicasCondition = (master: string, replicas: number) =>
  `last="$(${master} | tr -d '\\r' | awk ${shq('NR%2==1{k=$0;next} k=="num-slaves"{r=$0} END{print r+0}')}) of ${replicas} found"; ` +
  `[ "\${last%% *}" -ge ${replicas} ]`;

export function waitForSentinelReplicas(sentinel: RedisTarget, primarySet: string, replicas: number, wait: WaitOptions): RemoteCommand {
  return {
    label: `check the Sentinel at ${at(sentinel)} has found its ${replicas} replica(s)`,
    code: pollUntil({
      ...wait,
      condition: foundReplicasCondition(asredisCode(sentinel, ['SENTINEL', 'MASTER', primarySet]), replicas),
      message: `the Sentinel at ${at(sentinel)} has not found all ${replicas} replica(s) ${within(wait)}`,
    }),
    inputs: passwordInput(sentinel),
  };
}

/** SENTINEL CKQUORUM: enough Sentinels know each other to authorize a failover. */
export function waitForSentinelQuorum(sentinel: RedisTarget, primarySet: string, wait: WaitOptions): RemoteCommand {
  return {
    label: `check the Sentinel at ${at(sentinel)} reaches a quorum for ${primarySet} (SENTINEL CKQUORUM)`,
    code: pollUntil({
      ...wait,
      condition: `last=$(${asredisCode(sentinel, ['SENTINEL', 'CKQUORUM', primarySet])} | head -n 1); [ "\${last%% *}" = OK ]`,
      message: `the Sentinel at ${at(sentinel)} does not reach a quorum for ${primarySet} ${within(wait)}`,
    }),
    inputs: passwordInput(sentinel),
  };
}

/**
 * Redis waits repl-diskless-sync-delay (5 s by default) before a full sync, for more replicas to
 * arrive. All of ours start together, so `up` sets it to 0 at run time while they first sync and
 * sets it back once they are online. The file is not touched.
 */
export const SYNC_DELAY = 'repl-diskless-sync-delay';

export function setSyncDelay(redis: RedisTarget, value: string, why: string): RemoteCommand {
  return configSet(redis, SYNC_DELAY, value, why);
}
