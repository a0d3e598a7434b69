import { createHash } from 'node:crypto';
import { mergeDirectives, tokenize, type OwnedDirective } from '../../hsts/conf-lines.js';
import { isStaleDefaultUser, redisKeyOf } from '../../hsts/redis-conf.js';
import { sentinelKeyOf } from '../../hsts/sentinel-conf.js';

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

/*
 * Whether a file is already rotated, read the way Redis reads it (words, quotes and escapes parsed),
 * since Redis and Sentinel rewrite these files in their own quoting: `requirepass "x"` and
 * `requirepass x` are the same directive. The answers name directives, never a value.
 */

interface PasswordDirectives {
  keyOf: (args: string[]) => string;
  /** Keys that must be there, each holding the password. */
  required: string[];
  /** Keys that may be absent but, when there, must hold the password. */
  optional: string[];
}

function passwordDirectives(file: 'redis' | 'sentinel', primarySet: string): PasswordDirectives {
  return file === 'redis'
    ? { keyOf: redisKeyOf, required: ['requirepass', 'masterauth'], optional: [] }
    : { keyOf: sentinelKeyOf, required: ['requirepass', `sentinel auth-pass ${primarySet}`], optional: ['sentinel sentinel-pass'] };
}

export const UNREADABLE = 'cannot be read';

/**
 * What keeps aspera_31415.conf ('redis') or sentinel_41415.conf ('sentinel') from holding `password`
 * as its only password: [] when every password directive (requirepass, masterauth, "sentinel
 * auth-pass NAME", "sentinel sentinel-pass") holds it, the required ones are there, and no
 * "user default" line names `retired` or lacks `password`. `text` null: the file could not be read.
 */
export function passwordFileProblems(file: 'redis' | 'sentinel', text: string | null, primarySet: string, password: string, retired: string): string[] {
  if (text === null) return [UNREADABLE];
  const { keyOf, required, optional } = passwordDirectives(file, primarySet);
  const passwordKeys = new Set([...required, ...optional]);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const args = tokenize(line);
    if (args === null) {
      const key = keyOf(trimmed.split(/\s+/));
      if (passwordKeys.has(key) || isDefaultUser(trimmed.split(/\s+/))) problems.push(`a ${key} line Redis cannot read`);
      continue;
    }
    const key = keyOf(args);
    if (passwordKeys.has(key)) {
      seen.add(key);
      const values = args.slice(key.split(' ').length);
      if (values.length === 1 && values[0] === password) continue;
      problems.push(password !== retired && values.includes(retired) ? `${key} holds the old password` : `${key} does not hold the new password`);
    } else if (isDefaultUser(args) && (password === retired ? isStaleDefaultUser(args, password) : staleUser(args, password, retired))) {
      problems.push(password !== retired && mentions(args, retired) ? 'a user default line accepts the old password' : 'a user default line does not accept the new password');
    }
  }
  for (const key of required) if (!seen.has(key)) problems.push(`no ${key} line`);
  return problems;
}
