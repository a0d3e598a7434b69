/**
 * What to do next when SSH or sudo refuses, in the words an OpenSSH user expects. Pure: facts in,
 * one sentence out; connection.ts and session.ts append it to their errors.
 */

const hostPort = (host: string, port: number) => (port === 22 ? host : `[${host}]:${port}`);
const sshLine = (user: string, host: string, port: number) => `ssh ${port === 22 ? '' : `-p ${port} `}${user}@${host}`;

export function changedHostKeyAdvice(host: string, port: number, knownHostsPath: string): string {
  return `if the node was reinstalled or its host key regenerated, confirm the new fingerprint with its administrator, then remove the old entry (ssh-keygen -R '${hostPort(host, port)}' -f ${knownHostsPath}) and run again with --accept-new-host-keys; otherwise do not connect`;
}

export function unknownHostKeyAdvice(host: string, port: number, knownHostsPath: string): string {
  return `check the fingerprint with the node's administrator, then add it (ssh-keyscan ${port === 22 ? '' : `-p ${port} `}${host} >> ${knownHostsPath}), or run once with --accept-new-host-keys`;
}

export interface Credentials { keyPath?: string; agent?: boolean }

export function refusedLoginAdvice(user: string, host: string, port: number, credentials: Credentials): string {
  const tried = [credentials.keyPath ? `the key ${credentials.keyPath}` : '', credentials.agent ? 'the agent\'s keys' : ''].filter(Boolean).join(' and ') || 'no key';
  const install = credentials.keyPath ? `ssh-copy-id -i ${credentials.keyPath}.pub ${port === 22 ? '' : `-p ${port} `}${user}@${host}` : 'ssh-copy-id';
  const agent = credentials.agent ? '; list the agent\'s keys with ssh-add -l' : '';
  return `the server refused ${tried} for ${user}: put the public key in ~${user}/.ssh/authorized_keys there (${install}), or set ssh.user / ssh.privateKey to an account and key it accepts${agent}; \`${sshLine(user, host, port)}\` should log in without a password`;
}

export function unreachableAdvice(host: string, port: number, code: string | undefined): string {
  const what = code === 'ECONNREFUSED' ? `nothing listens on ${host}:${port}: start sshd there, or fix ssh.port`
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? `${host} does not resolve: fix ssh.host (or the HostName of its ssh config entry)`
      : code === 'EHOSTUNREACH' || code === 'ENETUNREACH' ? `no route to ${host}: check the address and the network between here and the node`
        : `${host}:${port} did not answer: check that the node is up, that sshd runs and that no firewall drops port ${port}`;
  return `${what}; -vv shows the SSH settings each node resolves to`;
}

/** Advice for what sudo printed when it refused; undefined when the text is not sudo's refusal. */
export function sudoAdvice(stderr: string, user: string): string | undefined {
  if (/a (terminal|password) is required|no askpass program/i.test(stderr)) {
    return `sudo wants a password for ${user}: give it as ssh.sudoPassword ({"env": NAME} or {"file": PATH}), or allow ${user} NOPASSWD in sudoers`;
  }
  if (/is not in the sudoers file|is not allowed to (run|execute)|may not run sudo/i.test(stderr)) {
    return `${user} may not run sudo there: allow it (e.g. "${user} ALL=(ALL:ALL) NOPASSWD: ALL" in /etc/sudoers.d/${user}, edited with visudo), or connect as root`;
  }
  if (/sudo: (command )?not found/i.test(stderr)) return `sudo is not installed there: install it, or connect as root`;
  return undefined;
}
