/**
 * Redis and Sentinel rewrite their config files, which hold the Redis password, with mode
 * 0644 & ~umask (CONFIG REWRITE, a failover, SENTINEL SET): under systemd's default umask 0022 every
 * local user could then read the password. Both services run with this umask instead.
 */
export const PRIVATE_UMASK = '0027';

/** Whether a unit's umask (as `systemctl show -p UMask` prints it) already keeps others out. */
export function umaskIsPrivate(umask: string): boolean {
  const bits = parseInt(umask, 8);
  return /^[0-7]+$/.test(umask) && (bits & 0o027) === 0o027;
}

/** A systemd drop-in that gives a unit the private umask and nothing else. */
export function renderUmaskDropIn(): string {
  return [
    '# Written by hsts-cluster: Redis rewrites aspera_31415.conf, which holds the Redis password,',
    '# with mode 0644 & ~umask; this umask keeps the file from other local users.',
    '[Service]',
    `UMask=${PRIVATE_UMASK}`,
    '',
  ].join('\n');
}
