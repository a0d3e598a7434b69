/**
 * Membership checks: bounded waits on what a Sentinel knows of its peers and replicas, by address
 * (a count alone can be met by a peer it only remembers). Read-only; no I/O here.
 */
import { shq } from '../ssh/shell.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { asredisCode, passwordInput, type RedisTarget } from './redis-cli.js';
import { pollUntil, type WaitOptions } from './waits.js';

/**
 * bash printing the addresses of the entries of `SENTINEL SENTINELS|REPLICAS NAME` whose flags are
 * exactly `want` (connected, not down), sorted, space-separated. The reply is flat key/value lines.
 */
export function connectedAddressesCode(sentinel: Pick<RedisTarget, 'ip' | 'port'>, primarySet: string, list: 'SENTINELS' | 'REPLICAS', want: string): string {
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
