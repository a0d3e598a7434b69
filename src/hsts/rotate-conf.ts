import { createHash } from 'node:crypto';
import { mergeDirectives, type OwnedDirective } from './conf-lines.js';
import { isStaleDefaultUser, redisKeyOf } from './redis-conf.js';
import { sentinelKeyOf } from './sentinel-conf.js';

/*
 * What a password rotation changes in the two files that hold the Redis password, and nothing else:
 * the password directives, and the "user default ..." lines Redis and Sentinel write back on a
 * rewrite (during the overlap such a line lists both passwords; left in place it would bring the
 * retired one back at the next start).
 */

function mentions(args: string[], password: string): boolean {
  const hash = `#${createHash('sha256').update(password).digest('hex')}`;
  return args.includes(hash) || args.includes(`>${password}`);
}

function isDefaultUser(args: string[]): boolean {
  return args[0]?.toLowerCase() === 'user' && args[1] === 'default';
}

function staleUser(args: string[], password: string, retired: string): boolean {
  return isDefaultUser(args) && (isStaleDefaultUser(args, password) || mentions(args, retired));
}

/** aspera_31415.conf with requirepass and masterauth set to `password`, `retired` gone from it. */
export function redisConfWithPassword(current: string, password: string, retired: string): string {
  const owned: OwnedDirective[] = [
    { key: 'requirepass', lines: [['requirepass', password]], mode: 'own' },
    { key: 'masterauth', lines: [['masterauth', password]], mode: 'own' },
  ];
  return mergeDirectives(current, owned, { keyOf: redisKeyOf, drop: (args) => staleUser(args, password, retired), header: [] });
}

/**
 * sentinel_41415.conf with requirepass and "sentinel auth-pass NAME" set to `password`, `retired`
 * gone from it, and no "sentinel sentinel-pass" line: the rotation sets sentinel-pass at run time
 * for the overlap; once the file's requirepass is the one password, a started Sentinel presents it.
 */
export function sentinelConfWithPassword(current: string, primarySet: string, password: string, retired: string): string {
  const owned: OwnedDirective[] = [
    { key: `sentinel auth-pass ${primarySet}`, lines: [['sentinel', 'auth-pass', primarySet, password]], mode: 'own' },
    { key: 'requirepass', lines: [['requirepass', password]], mode: 'own' },
  ];
  const sentinelPass = (args: string[]) => args[0]?.toLowerCase() === 'sentinel' && args[1]?.toLowerCase() === 'sentinel-pass';
  return mergeDirectives(current, owned, {
    keyOf: sentinelKeyOf,
    drop: (args) => staleUser(args, password, retired) || sentinelPass(args),
    header: [],
  });
}
