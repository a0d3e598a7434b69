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
