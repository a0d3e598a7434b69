import { HSTS } from '../hsts/paths.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { shq } from '../ssh/shell.js';

/** `asnodeadmin -l`: the Node API users, as stored in Redis. */
export function listNodeUsers(): RemoteCommand {
  return { label: 'asnodeadmin -l', code: `${HSTS.asnodeadmin} -l` };
}

/**
 * `asnodeadmin -au USER -p PASSWORD -x root`. asnodeadmin takes the password only in argv: use it
 * for throw-away users with random, short-lived passwords, never for a secret that matters. The
 * label does not show it.
 */
export function addThrowAwayNodeUser(user: string, password: string, osUser = 'root'): RemoteCommand {
  return {
    label: `asnodeadmin -au ${user} -p (random) -x ${osUser}`,
    code: `${HSTS.asnodeadmin} -au ${shq(user)} -p ${shq(password)} -x ${shq(osUser)}`,
  };
}

/** `asnodeadmin -du USER`; with `quiet`, as a clean-up that never fails. */
export function deleteNodeUser(user: string, options: { quiet?: boolean } = {}): RemoteCommand {
  const code = `${HSTS.asnodeadmin} -du ${shq(user)}`;
  return options.quiet
    ? { label: `asnodeadmin -du ${user} (clean-up)`, code: `${code} >/dev/null 2>&1; true` }
    : { label: `asnodeadmin -du ${user}`, code };
}

/** `asnodeadmin -A`: the installed HSTS version (parse with hsts/version.ts parseHstsVersion). */
export function installedVersion(): RemoteCommand {
  return { label: 'asnodeadmin -A', code: `${HSTS.asnodeadmin} -A` };
}
