/**
 * A directory's owner and mode, and whether an account can create a file in it: Redis's CONFIG
 * REWRITE and Sentinel's config saves write a temporary file beside the file they rewrite (since
 * Redis 6.0.9), so the noded user must be able to create files in /opt/aspera/etc/redis.
 */
import { HSTS } from './paths.js';

export interface DirectoryFact {
  path: string;
  /** false: missing, a symlink or not a directory (`kind` says which). */
  exists: boolean;
  kind: 'directory' | 'missing' | 'symlink' | 'other';
  uid: number;
  gid: number;
  owner: string;
  group: string;
  /** Octal permission bits as stat prints them: "755". */
  mode: string;
}

export interface Account { uid: number; gids: number[] }

/** Write and search permission on the directory for this account, by the class that applies (owner, group, other). */
export function canCreateIn(dir: DirectoryFact, account: Account): boolean {
  if (!dir.exists) return false;
  if (account.uid === 0) return true;
  const bits = parseInt(dir.mode, 8);
  const wx = (shift: number) => ((bits >> shift) & 0o3) === 0o3;
  if (dir.uid === account.uid) return wx(6);
  if (account.gids.includes(dir.gid)) return wx(3);
  return wx(0);
}

/** The directory of the files Redis and Sentinel rewrite. */
export const REDIS_CONF_DIR = HSTS.redisConf.slice(0, HSTS.redisConf.lastIndexOf('/'));

/**
 * The directories a snapshot may name (its `directories`), an allow-list for snapshot validation:
 * only the one `up` may chown.
 */
export function isSnapshotDirectory(path: string): boolean {
  return path === REDIS_CONF_DIR;
}

/** `stat`'s owner and group names as a snapshot may carry them back to a shell. */
export const ACCOUNT_NAME = /^[a-z_][a-z0-9_.-]{0,31}\$?$/i;
export const OCTAL_MODE = /^[0-7]{3,4}$/;
