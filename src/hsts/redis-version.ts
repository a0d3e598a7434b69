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
