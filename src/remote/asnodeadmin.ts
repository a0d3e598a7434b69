import { HSTS } from '../hsts/paths.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { shq } from '../ssh/shell.js';
import type { Secret } from '../util/secret.js';
import { listenersOwnedCode, type ListenerOwner } from './listener-guard.js';
import { redisOf, sentinelOf } from './redis-cli.js';

/**
 * The ports of this node asnodeadmin sends the Redis password to when it reaches the Node API's
 * database (aspera.conf's db_host and db_port: the Sentinels, then the Redis they name): each is
 * checked to be held by its unit or the noded user before asnodeadmin runs, as for asredis. Another
 * node's ports, named in the same lists, are not seen from here (docs/SECURITY.md).
 */
export type DatabasePorts = readonly { ip: string; port: number; owner: ListenerOwner }[];

/** This node's Sentinel and Redis, as the cluster configures them. */
export function localDatabasePorts(cluster: Parameters<typeof redisOf>[0], node: { privateIp: string }): DatabasePorts {
  return [sentinelOf(cluster, node), redisOf(cluster, node)];
}

function guarded(ports: DatabasePorts, code: string): string {
  return `${listenersOwnedCode(ports)} || exit 1\n${code}`;
}

/** `asnodeadmin -l`: the Node API users, as stored in Redis. */
export function listNodeUsers(ports: DatabasePorts): RemoteCommand {
  return { label: 'asnodeadmin -l', code: guarded(ports, `${HSTS.asnodeadmin} -l`) };
}

/** The first column of `asnodeadmin -l`: the Node API user names (headings and rulers left out). */
export function parseNodeUserNames(output: string): string[] {
  return output.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name !== '' && name !== 'user' && !/^=+$/.test(name) && !name.endsWith(':'));
}

/**
 * `asnodeadmin -au USER -x OS_USER` with the password on stdin. IBM documents that asnodeadmin
 * prompts for the password when `-p` is not given; it does not say whether it asks twice, so it is
 * given twice (a second line nobody reads is harmless). Refuses, before asnodeadmin runs, an OS
 * user that does not exist or has uid 0: the Node API user may do what that account does.
 */
export function addNodeUser(ports: DatabasePorts, user: string, osUser: string, password: Secret): RemoteCommand {
  return {
    inputs: { pw: password },
    label: `asnodeadmin -au ${user} -x ${osUser} (password on stdin)`,
    code: [
      `uid=$(id -u ${shq(osUser)} 2>/dev/null) || { echo ${shq(`no account ${osUser} on this node`)}; exit 1; }`,
      `[ "$uid" != 0 ] || { echo ${shq(`${osUser} has uid 0: a Node API user mapped to it would act as root`)}; exit 1; }`,
      guarded(ports, `{ cat "$IN/pw"; echo; cat "$IN/pw"; echo; } | ${HSTS.asnodeadmin} -au ${shq(user)} -x ${shq(osUser)}`),
    ].join('\n'),
  };
}

/** Names verify gives its throw-away users; `hsts-verify-` + 6 hex: before 0.x, mapped to root. */
export const VERIFY_USER_PREFIX = 'hsts-cluster-verify-';
const VERIFY_USER = /^(hsts-cluster-verify-[0-9a-z]{1,40}|hsts-verify-[0-9a-f]{6})$/;

/** The Node API users a verify made and did not remove (its controller died): `asnodeadmin -l`'s names. */
export function verifyLeftovers(names: string[], own?: string): string[] {
  return names.filter((name) => VERIFY_USER.test(name) && name !== own);
}

/** `asnodeadmin -du USER`; with `quiet`, as a clean-up that never fails. */
export function deleteNodeUser(ports: DatabasePorts, user: string, options: { quiet?: boolean } = {}): RemoteCommand {
  const code = `${HSTS.asnodeadmin} -du ${shq(user)}`;
  return options.quiet
    ? { label: `asnodeadmin -du ${user} (clean-up)`, code: guarded(ports, `${code} >/dev/null 2>&1; true`) }
    : { label: `asnodeadmin -du ${user}`, code: guarded(ports, code) };
}

/** `asnodeadmin -A`: the installed HSTS version (parse with hsts/version.ts parseHstsVersion). */
export function installedVersion(): RemoteCommand {
  return { label: 'asnodeadmin -A', code: `${HSTS.asnodeadmin} -A` };
}
