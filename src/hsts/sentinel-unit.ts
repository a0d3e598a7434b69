import type { FileFact } from './node-facts.js';
import { PRIVATE_UMASK } from './umask.js';

/**
 * Sentinel rewrites sentinel_41415.conf, which holds the Redis password, at every discovery and
 * failover (see umask.ts). The installed unit is the shipped one with the private umask in
 * [Service], unless the shipped unit sets a umask itself.
 */

export function renderSentinelUnit(shipped: string): string {
  const lines = shipped.split('\n');
  const service = lines.findIndex((line) => line.trim() === '[Service]');
  if (service < 0) return shipped;
  const nextSection = lines.findIndex((line, i) => i > service && /^\s*\[/.test(line));
  const sectionEnd = nextSection < 0 ? lines.length : nextSection;
  if (lines.slice(service + 1, sectionEnd).some((line) => /^\s*UMask\s*=/.test(line))) return shipped;
  lines.splice(service + 1, 0, `UMask=${PRIVATE_UMASK}`);
  return lines.join('\n');
}

/**
 * Why the shipped unit must not be installed as root, or null when it may (or is absent). Root
 * installs and starts what it says, so only a file no one but root can have written qualifies: a
 * regular file (the read refuses anything else) owned by root, not group- or world-writable, with one
 * link (a hard link's other name may be writable elsewhere). These facts are the fstat of the fd the
 * bytes were read from (remote/safe-files.ts), so a file swapped in after the check is not the one
 * installed.
 * The directory's owner is not required to be root: IBM ships the unit in
 * /opt/aspera/etc/redis, which the noded user must own (Redis and Sentinel rewrite their files
 * through temp files there), and a root-owned directory would refuse every honest node. Owning the
 * directory lets that user replace the name, not the bytes of a root-owned file that only root can
 * write; what it could still put there is another root-owned regular file it can rename from a
 * directory it writes on the same file system, which holds no unit of its making.
 */
export function untrustedShippedUnit(fact: FileFact): string | null {
  if (fact.content === null) return null;
  const found: string[] = [];
  if (fact.owner !== 'root') found.push(`owned by ${fact.owner}:${fact.group}`);
  if ((parseInt(fact.mode, 8) & 0o022) !== 0) found.push(`mode ${fact.mode} lets others write it`);
  if ((fact.links ?? 1) !== 1) found.push(`${fact.links} hard links`);
  if (found.length === 0) return null;
  return `${fact.path} is not installed as root from a file others can change: ${found.join(', ')} ` +
    `(it must be root's alone: chown root:root ${fact.path}; chmod 644 ${fact.path}; and no other name for it)`;
}
