/** "Did you mean ...?" for unknown inventory fields: edit distance, plus names from OpenSSH and Ansible. */

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/**
 * What people write out of habit (ssh_config, Ansible inventories, Redis) and our field for it.
 * Keys are lower case without "_" or "-".
 */
const ALIASES: Record<string, string> = {
  identityfile: 'privateKey',
  ansiblesshprivatekeyfile: 'privateKey',
  privatekeyfile: 'privateKey',
  keyfile: 'privateKey',
  key: 'privateKey',
  hostname: 'host',
  ansiblehost: 'host',
  address: 'host',
  ansibleport: 'port',
  ansibleuser: 'user',
  username: 'user',
  remoteuser: 'user',
  login: 'user',
  userknownhostsfile: 'knownHosts',
  knownhostsfile: 'knownHosts',
  proxyjump: 'jumpHost',
  bastion: 'jumpHost',
  forwardagent: 'agent',
  identityagent: 'agent',
  useagent: 'agent',
  connecttimeout: 'connectTimeoutMs',
  timeout: 'connectTimeoutMs',
  becomepassword: 'sudoPassword',
  ansiblebecomepassword: 'sudoPassword',
  ansiblebecomepass: 'sudoPassword',
  password: 'redisPassword',
  requirepass: 'redisPassword',
  masterauth: 'redisPassword',
  ip: 'privateIp',
  privateaddress: 'privateIp',
  clusterip: 'privateIp',
  mastername: 'primarySet',
  primaryname: 'primarySet',
  master: 'primarySet',
  port: 'redisPort',
  hosts: 'nodes',
  servers: 'nodes',
};

const squash = (name: string) => name.toLowerCase().replace(/[-_]/g, '');

/** The allowed field closest to `name`, if it is close enough to be a likely typo or habit. */
export function suggestField(name: string, allowed: readonly string[]): string | undefined {
  const alias = ALIASES[squash(name)];
  if (alias && allowed.includes(alias)) return alias;
  const exact = allowed.find((a) => squash(a) === squash(name));
  if (exact) return exact;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) { best = candidate; bestDistance = d; }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}
