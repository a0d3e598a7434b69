/** Where HSTS keeps what the HA procedure touches. File names stay fixed when ports change:
 *  the shipped units name aspera_31415.conf and sentinel_41415.conf. */
export const HSTS = {
  bin: '/opt/aspera/bin',
  asconfigurator: '/opt/aspera/bin/asconfigurator',
  askmscli: '/opt/aspera/bin/askmscli',
  asredis: '/opt/aspera/bin/asredis',
  asnodeadmin: '/opt/aspera/bin/asnodeadmin',
  asperaConf: '/opt/aspera/etc/aspera.conf',
  redisConf: '/opt/aspera/etc/redis/aspera_31415.conf',
  sentinelConf: '/opt/aspera/etc/redis/sentinel_41415.conf',
  shippedSentinelUnit: '/opt/aspera/etc/redis/asperaredissentinel.service',
  installedSentinelUnit: '/lib/systemd/system/asperaredissentinel.service',
  redisUmaskDropIn: '/etc/systemd/system/asperaredisd.service.d/hsts-cluster-umask.conf',
  // askmscli's root store (encrypted SQLite, IBM's "source of truth"). Its directory is the rig's
  // choice: IBM's documents name the file, not where it is. hsts-cluster never reads it; a run's
  // snapshot copies its bytes so that a rollback can put them back.
  rootKeystore: '/opt/aspera/etc/rootkeystore.db',
  // hsts-cluster's own state on a node: lock, per-run snapshots, and what it stored with askmscli
  // (salted scrypt hashes, never the password), root only, where no other account can rename or
  // replace it; every command checks it before use (runner/state-dir.ts).
  stateDir: '/var/lib/hsts-cluster',
  lockDir: '/var/lib/hsts-cluster/lock',
  askmsRecordDir: '/var/lib/hsts-cluster/askmscli',
  // `hsts-cluster maintenance on` writes this file (JSON: who, since, message, what it stopped);
  // `off` removes it. Every command reads it: a node in maintenance is never promoted or restarted.
  maintenanceFile: '/var/lib/hsts-cluster/maintenance.json',
  // Where the state was kept before, inside the noded user's /opt/aspera/var: migrated once.
  oldStateDir: '/opt/aspera/var/hsts-cluster',
  // aspshell, IBM's restricted login shell for transfer users, at the path IBM's documents give
  // users (HSTS 4.4, "Setting up users": "Run the following command to change the user login shell
  // to aspshell: # sudo usermod -s /bin/aspshell username"). It allows only Aspera uploads and
  // downloads, connections from the application, and browsing, listing, creating, renaming or
  // deleting contents. add-transfer-user --create gives it to the users it makes unless --shell says.
  aspshell: '/bin/aspshell',
  // The group the specification gives the Redis files (`chown asperadaemon:aspadmins`), the
  // installer's. Their owner is the inventory's noded user (cluster.nodedUser, asperadaemon unless
  // the node runs HSTS under another account): the account Redis and Sentinel rewrite them as.
  daemonGroup: 'aspadmins',
} as const;

/**
 * Where askmscli is known to keep USER's localkeystore.db, as paths the node resolves (`~USER/` is
 * expanded there from the user database, see shPath): in the home directory (IBM: "resides in the
 * user's home directory", by default) or under ~USER/.aspera/ (IBM's field guides). Every change
 * that runs askmscli touches all of them, so a store that appears at any of them after askmscli ran
 * is the one a rollback removes; snapshots may name no other keystore path.
 */
export function localKeystoreCandidates(user: string): string[] {
  return [`~${user}/localkeystore.db`, `~${user}/.aspera/localkeystore.db`];
}

/** The store askmscli uses: the first candidate present on the node, or null when none is. */
export function presentKeystore(candidates: readonly { path: string; present: boolean }[]): string | null {
  return candidates.find((c) => c.present)?.path ?? null;
}

/** hsts-cluster's record of the password it last stored with `askmscli -s redis-password`. */
export const STORE_RECORD = `${HSTS.askmsRecordDir}/redis-password.json`;

/** hsts-cluster's record of the password USER's keystore was made with (`askmscli -i -u USER`). */
export function keystoreRecordPath(user: string): string {
  return `${HSTS.askmsRecordDir}/keystore.${user}.json`;
}

/** The four services, in the order the procedure starts them. */
export const SERVICES = ['asperaredisd', 'asperaredissentinel', 'asperanoded', 'asperarund'] as const;
export type Service = (typeof SERVICES)[number];

/** The order to stop them in: the Redis clients first, then Sentinel, then Redis. */
export const STOP_ORDER: readonly Service[] = ['asperanoded', 'asperarund', 'asperaredissentinel', 'asperaredisd'];

/**
 * The files each service reads at start: when a rollback puts one back, the service restarts.
 * The daemons run as the noded user and read the Redis password from its localkeystore.db (an
 * opaque file to hsts-cluster; a change's `restarts` says when askmscli renewed it).
 */
export function serviceInputs(nodedUser: string): Record<Service, string[]> {
  const hstsClient = [HSTS.asperaConf, ...localKeystoreCandidates(nodedUser)];
  return {
    asperaredisd: [HSTS.redisConf],
    asperaredissentinel: [HSTS.sentinelConf, HSTS.installedSentinelUnit],
    asperanoded: hstsClient,
    asperarund: hstsClient,
  };
}
