import { HSTS } from '../../hsts/paths.js';
import type { RemoteCommand } from '../../ssh/remote-script.js';
import { shq } from '../../ssh/shell.js';
import { listenerOwnedCode, type ListenerOwner } from '../../remote/listener-guard.js';
import type { Secret } from '../../util/secret.js';

/*
 * The Redis and Sentinel commands of a password rotation. Two passwords travel as inputs, never in
 * argv: "$IN/to" (the password being rotated to) and "$IN/from" (the one being replaced). Each
 * command authenticates with whichever of the two the server accepts (a rotation may stop anywhere,
 * and its rollback runs the same commands the other way), and a value that is a password reaches
 * asredis on stdin through `-x` (its last argument), written by bash's printf builtin.
 */

/** Where a server listens, and who must hold that port before a password is sent there (listener-guard.ts). */
export interface Endpoint { ip: string; port: number; owner: ListenerOwner }
export interface PasswordPair { to: Secret; from: Secret }

const ASREDIS = HSTS.asredis;

function authAs(endpoint: Endpoint): string {
  const ping = (input: string) => `[ "$(REDISCLI_AUTH=$(cat "$IN/${input}") timeout 5 ${ASREDIS} -h ${shq(endpoint.ip)} -p ${endpoint.port} PING 2>/dev/null)" = PONG ]`;
  return `${listenerOwnedCode(endpoint, endpoint.owner)} || exit 1\nif ${ping('to')}; then auth=to; elif ${ping('from')}; then auth=from; ` +
    `else echo "${endpoint.ip}:${endpoint.port} accepts neither password"; exit 1; fi`;
}

function call(endpoint: Endpoint, args: readonly string[], stdinValue?: { input: 'to' | 'from'; prefix: string }): string {
  const cli = `REDISCLI_AUTH=$(cat "$IN/$auth") timeout 5 ${ASREDIS} -h ${shq(endpoint.ip)} -p ${endpoint.port}`;
  if (!stdinValue) return `${cli} ${args.map(shq).join(' ')} 2>&1`;
  return `printf '%s%s' ${shq(stdinValue.prefix)} "$(cat "$IN/${stdinValue.input}")" | ${cli} -x ${args.map(shq).join(' ')} 2>&1`;
}

/** One command that must answer OK, authenticating with either password. */
function mustAnswerOk(label: string, endpoint: Endpoint, passwords: PasswordPair, args: readonly string[],
  stdinValue?: { input: 'to' | 'from'; prefix: string }): RemoteCommand {
  return {
    label: `asredis -h ${endpoint.ip} -p ${endpoint.port} ${label}`,
    code: `${authAs(endpoint)}\nout=$(${call(endpoint, args, stdinValue)}); [ "$out" = OK ] || { echo "$out"; exit 1; }`,
    inputs: { to: passwords.to, from: passwords.from },
  };
}

/** ACL SETUSER default >TO: the default user accepts TO besides the passwords it has (Redis 6+, Sentinel 6.2+). */
export function addPassword(endpoint: Endpoint, passwords: PasswordPair): RemoteCommand {
  return mustAnswerOk('ACL SETUSER default >(password on stdin)', endpoint, passwords, ['ACL', 'SETUSER', 'default'], { input: 'to', prefix: '>' });
}

/** ACL SETUSER default resetpass >TO: TO becomes the only password. */
export function onlyPassword(endpoint: Endpoint, passwords: PasswordPair): RemoteCommand {
  return mustAnswerOk('ACL SETUSER default resetpass >(password on stdin)', endpoint, passwords,
    ['ACL', 'SETUSER', 'default', 'resetpass'], { input: 'to', prefix: '>' });
}

/** Redis: CONFIG SET requirepass TO (the default user keeps TO only; CONFIG GET requirepass agrees). */
export function setRequirepass(endpoint: Endpoint, passwords: PasswordPair): RemoteCommand {
  return mustAnswerOk('CONFIG SET requirepass (password on stdin)', endpoint, passwords, ['CONFIG', 'SET', 'requirepass'], { input: 'to', prefix: '' });
}

/** Redis: CONFIG SET masterauth TO (what a replica presents to its primary). */
export function setMasterauth(endpoint: Endpoint, passwords: PasswordPair): RemoteCommand {
  return mustAnswerOk('CONFIG SET masterauth (password on stdin)', endpoint, passwords, ['CONFIG', 'SET', 'masterauth'], { input: 'to', prefix: '' });
}

/** Sentinel: SENTINEL SET NAME auth-pass TO (what it presents to the Redis it monitors). */
export function setSentinelAuthPass(endpoint: Endpoint, primarySet: string, passwords: PasswordPair): RemoteCommand {
  return mustAnswerOk(`SENTINEL SET ${primarySet} auth-pass (password on stdin)`, endpoint, passwords,
    ['SENTINEL', 'SET', primarySet, 'auth-pass'], { input: 'to', prefix: '' });
}

/**
 * Sentinel: SENTINEL CONFIG SET sentinel-pass TO (what it presents to the other Sentinels; without
 * it, a Sentinel presents its own requirepass as read at start, which the others stop accepting).
 */
export function setSentinelPass(endpoint: Endpoint, passwords: PasswordPair): RemoteCommand {
  return mustAnswerOk('SENTINEL CONFIG SET sentinel-pass (password on stdin)', endpoint, passwords,
    ['SENTINEL', 'CONFIG', 'SET', 'sentinel-pass'], { input: 'to', prefix: '' });
}

/** Which of the two passwords the server accepts: prints "to", "from", "both" or "neither". */
export function acceptedPasswords(endpoint: Endpoint, passwords: PasswordPair): RemoteCommand {
  const ping = (input: string) => `[ "$(REDISCLI_AUTH=$(cat "$IN/${input}") timeout 5 ${ASREDIS} -h ${shq(endpoint.ip)} -p ${endpoint.port} PING 2>/dev/null)" = PONG ]`;
  return {
    label: `asredis -h ${endpoint.ip} -p ${endpoint.port} PING (with each password)`,
    code: `${listenerOwnedCode(endpoint, endpoint.owner)} || exit 1\nt=no; f=no; ${ping('to')} && t=yes; ${ping('from')} && f=yes\n` +
      'case "$t$f" in yesyes) echo both;; yesno) echo to;; noyes) echo from;; *) echo neither;; esac',
    inputs: { to: passwords.to, from: passwords.from },
  };
}

export type Accepted = 'to' | 'from' | 'both' | 'neither';

export function parseAccepted(output: string): Accepted {
  const word = output.trim().split('\n').at(-1) ?? '';
  return word === 'to' || word === 'from' || word === 'both' ? word : 'neither';
}

/** The server's redis_version (INFO server), authenticating with either password. */
export function serverVersion(endpoint: Endpoint, passwords: PasswordPair): RemoteCommand {
  return {
    label: `asredis -h ${endpoint.ip} -p ${endpoint.port} INFO server (redis_version)`,
    code: `${authAs(endpoint)}\n${call(endpoint, ['INFO', 'server'])} | tr -d '\\r' | grep '^redis_version:'`,
    inputs: { to: passwords.to, from: passwords.from },
  };
}

/** "7.0.15" from "redis_version:7.0.15"; null when absent. */
export function parseVersion(output: string): [number, number] | null {
  const m = /redis_version:(\d+)\.(\d+)/.exec(output);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Multi-password ACL for the default user came with Redis 6.0; Sentinel's ACL and sentinel-pass with 6.2. */
export const MINIMUM_VERSION: [number, number] = [6, 2];

export function versionTooOld(version: [number, number]): boolean {
  return version[0] < MINIMUM_VERSION[0] || (version[0] === MINIMUM_VERSION[0] && version[1] < MINIMUM_VERSION[1]);
}

/** Sentinel: CKQUORUM on the primary set, authenticating with either password; prints Sentinel's answer. */
export function sentinelQuorum(endpoint: Endpoint, primarySet: string, passwords: PasswordPair): RemoteCommand {
  return {
    label: `asredis -h ${endpoint.ip} -p ${endpoint.port} SENTINEL CKQUORUM ${primarySet}`,
    code: `${authAs(endpoint)}\nout=$(${call(endpoint, ['SENTINEL', 'CKQUORUM', primarySet])}); echo "$out"; [[ "$out" == OK* ]]`,
    inputs: { to: passwords.to, from: passwords.from },
  };
}
