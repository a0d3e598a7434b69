/**
 * Redis versions and the features hsts-cluster uses that need one: IBM does not document which Redis
 * HSTS bundles, so each node's is read and compared.
 */
export type Version = [number, number, number];

/** "redis-cli 7.0.15" (asredis --version) or "redis_version:6.0.16" (INFO server): the first x.y.z. */
export function parseRedisVersion(text: string): Version | null {
  const m = /(?:redis-cli |redis_version:|v=)(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

export function olderThan(version: Version, minimum: Version): boolean {
  for (let i = 0; i < 3; i++) if (version[i] !== minimum[i]) return version[i]! < minimum[i]!;
  return false;
}

export const formatVersion = (v: Version) => v.join('.');

/** What needs which version: REDISCLI_AUTH (every asredis call), rotation's ACLs, DEBUG for verify's failover test. */
export const NEEDS = {
  rediscliAuth: { version: [5, 0, 3] as Version, feature: 'the password in REDISCLI_AUTH (how hsts-cluster authenticates every asredis call)' },
  rotation: { version: [6, 2, 0] as Version, feature: 'rotate-password (multi-password ACLs, Sentinel ACLs and sentinel-pass)' },
  debugCommand: { version: [7, 0, 0] as Version, feature: "enable-debug-command (verify's failover test by DEBUG sleep; older: SENTINEL FAILOVER)" },
} as const;

/** A refusal naming the version and the feature, or null when `version` is new enough (or unknown). */
export function versionProblem(what: string, version: Version | null, need: { version: Version; feature: string }): string | null {
  if (!version || !olderThan(version, need.version)) return null;
  return `${what} is ${formatVersion(version)}; ${need.feature} needs ${formatVersion(need.version)} or later`;
}

/**
 * The RDB format each Redis writes, from Redis's release notes: a replica loads its primary's
 * full sync as RDB, and a Redis refuses an RDB newer than its own ("Can't handle RDB format
 * version"). Newest first; versions newer than the newest row are compared by major.minor.
 */
const RDB_FORMATS: readonly [Version, number][] = [
  [[8, 0, 0], 12], [[7, 4, 0], 12], [[7, 2, 0], 11], [[7, 0, 0], 10], [[5, 0, 0], 9], [[4, 0, 0], 8], [[3, 2, 0], 7], [[2, 6, 0], 6],
];
const NEWEST_KNOWN: Version = [8, 0, 99];

/** Whether a Redis of version `replica` can follow a primary of version `primary` (load its RDB). */
export function canReplicateFrom(replica: Version, primary: Version): boolean {
  if (olderThan(NEWEST_KNOWN, replica) || olderThan(NEWEST_KNOWN, primary)) {
    return !(replica[0] < primary[0] || (replica[0] === primary[0] && replica[1] < primary[1]));
  }
  const format = (v: Version) => RDB_FORMATS.find(([since]) => !olderThan(v, since))?.[1] ?? 0;
  return format(replica) >= format(primary);
}

/**
 * Pre-flight, cluster-wide: each node whose running Redis could not load the chosen primary's data.
 * A node whose Redis did not answer (stopped) is not judged: its version is unknown until it runs.
 */
export function replicaVersionProblems(primary: { name: string; version?: Version }, others: readonly { name: string; version?: Version }[]): string[] {
  if (!primary.version) return [];
  const p = primary.version;
  return others.filter((o) => o.version && !canReplicateFrom(o.version, p)).map((o) =>
    `${o.name}: its Redis ${formatVersion(o.version!)} cannot follow ${primary.name}'s Redis ${formatVersion(p)}, the primary ` +
    '(a replica cannot load the RDB of a newer Redis, and never links): run the same Redis version on every node, ' +
    'or at least no node older than the primary');
}

/**
 * A warning when some node could not follow another (whichever the primary is now): a failover to
 * a newer Redis would leave the older ones unable to link. null when every pair could.
 */
export function mixedVersionWarning(nodes: readonly { name: string; version?: Version }[]): string | null {
  const known = nodes.filter((n): n is { name: string; version: Version } => n.version !== undefined);
  const stuck = known.some((a) => known.some((b) => !canReplicateFrom(a.version, b.version)));
  if (!stuck) return null;
  return `Redis versions differ (${known.map((n) => `${n.name} ${formatVersion(n.version)}`).join(', ')}): after a failover to a newer one, ` +
    'the older could not follow it (a replica cannot load a newer Redis\'s RDB); run one version on every node';
}
