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
  // askmscli's stores. These mirror the rig's simulation; a real HSTS may keep them elsewhere.
  redisPasswordStore: '/opt/aspera/var/kms/redis-password',
  keystoreDir: '/opt/aspera/var/keystore',
  // hsts-cluster's own state on a node: lock and per-run snapshots, root only.
  stateDir: '/opt/aspera/var/hsts-cluster',
  lockDir: '/opt/aspera/var/hsts-cluster/lock',
  nodeApiPort: 9092,
  daemonUser: 'asperadaemon',
  daemonGroup: 'aspadmins',
} as const;

export function keystorePath(user: string): string {
  return `${HSTS.keystoreDir}/${user}`;
}

/** The four services, in the order the procedure starts them. */
export const SERVICES = ['asperaredisd', 'asperaredissentinel', 'asperanoded', 'asperarund'] as const;
export type Service = (typeof SERVICES)[number];

/** The order to stop them in: the Redis clients first, then Sentinel, then Redis. */
export const STOP_ORDER: readonly Service[] = ['asperanoded', 'asperarund', 'asperaredissentinel', 'asperaredisd'];

/** The files each service reads at start: when one of them changes, the service must restart. */
export function serviceInputs(nodedUser: string): Record<Service, string[]> {
  const hstsClient = [HSTS.asperaConf, HSTS.redisPasswordStore, keystorePath(nodedUser)];
  return {
    asperaredisd: [HSTS.redisConf],
    asperaredissentinel: [HSTS.sentinelConf, HSTS.installedSentinelUnit],
    asperanoded: hstsClient,
    asperarund: hstsClient,
  };
}
