import { HSTS } from '../hsts/paths.js';
import { shq } from '../ssh/shell.js';
import { listenerOwnedCode, type ListenerOwner } from './listener-guard.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import type { Secret } from '../util/secret.js';

/** A Redis or Sentinel to ask: where it listens and the password it requires. */
export interface RedisTarget {
  ip: string;
  port: number;
  password: Secret | string;
  /** Who must hold the port before the password is sent (checked on the node, in the same command). */
  owner: ListenerOwner;
}

interface RedisCluster { redisPort: number; sentinelPort: number; redisPassword: Secret | string; nodedUser: string }

export const redisOwner = (nodedUser: string): ListenerOwner => ({ unit: 'asperaredisd', user: nodedUser });
export const sentinelOwner = (nodedUser: string): ListenerOwner => ({ unit: 'asperaredissentinel', user: nodedUser });

/** A node's Redis, as the cluster configures it. */
export function redisOf(cluster: RedisCluster, node: { privateIp: string }): RedisTarget {
  return { ip: node.privateIp, port: cluster.redisPort, password: cluster.redisPassword, owner: redisOwner(cluster.nodedUser) };
}

/** A node's Sentinel (same password as Redis, as the procedure sets it). */
export function sentinelOf(cluster: RedisCluster, node: { privateIp: string }): RedisTarget {
  return { ip: node.privateIp, port: cluster.sentinelPort, password: cluster.redisPassword, owner: sentinelOwner(cluster.nodedUser) };
}

/** The input file every asredis command reads its password from. */
export const PASSWORD_INPUT = 'pw';

export interface AsredisOptions {
  /** Bound on one call: whatever listens on the port may accept and never answer (a paused Redis). */
  timeoutS?: number;
}

/**
 * bash for one asredis call, output and errors together: the password from the input file, in the
 * environment (REDISCLI_AUTH, never argv), sent only when the port's local listener is the target's
 * owner (listener-guard.ts; else it prints who holds the port and fails). Each word of `args` is
 * quoted. For composing into larger scripts; the command using it must carry `passwordInput(target)`.
 */
export function asredisCode(target: Pick<RedisTarget, 'ip' | 'port' | 'owner'>, args: readonly string[], options: AsredisOptions = {}): string {
  return `{ ${listenerOwnedCode(target, target.owner)} && REDISCLI_AUTH=$(<"$IN/${PASSWORD_INPUT}") timeout ${options.timeoutS ?? 5} ${HSTS.asredis} ` +
    `-h ${shq(target.ip)} -p ${target.port} ${args.map(shq).join(' ')} 2>&1; }`;
}

export function passwordInput(target: Pick<RedisTarget, 'password'>): Record<string, Secret | string> {
  return { [PASSWORD_INPUT]: target.password };
}

/** One asredis call as a command: `asredis -h IP -p PORT ARGS`, its reply as output. */
export function asredis(target: RedisTarget, args: readonly string[], options: AsredisOptions = {}): RemoteCommand {
  return {
    label: `asredis -h ${target.ip} -p ${target.port} ${args.join(' ')}`,
    code: asredisCode(target, args, options),
    inputs: passwordInput(target),
  };
}

/**
 * asredis in the background, detached from the batch (DEBUG sleep: the reply would come only after
 * the sleep). Its output is dropped.
 */
export function asredisDetached(target: RedisTarget, args: readonly string[]): RemoteCommand {
  return {
    label: `asredis -h ${target.ip} -p ${target.port} ${args.join(' ')} (in the background)`,
    code: `${listenerOwnedCode(target, target.owner)} || exit 1; export REDISCLI_AUTH=$(<"$IN/${PASSWORD_INPUT}"); setsid ${HSTS.asredis} -h ${shq(target.ip)} -p ${target.port} ` +
      `${args.map(shq).join(' ')} >/dev/null 2>&1 < /dev/null &`,
    inputs: passwordInput(target),
  };
}

/** CONFIG SET that fails unless Redis answers OK (asredis exits 0 on an error reply). */
export function configSet(target: RedisTarget, key: string, value: string, why?: string): RemoteCommand {
  return {
    label: `asredis CONFIG SET ${key} ${value}${why ? ` (${why})` : ''}`,
    code: `out=$(${asredisCode(target, ['CONFIG', 'SET', key, value])}); [ "$out" = OK ] || { echo "$out"; exit 1; }`,
    inputs: passwordInput(target),
  };
}
