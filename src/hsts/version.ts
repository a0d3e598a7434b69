/**
 * HSTS versions as `asnodeadmin -A` prints them ("IBM Aspera High-Speed Transfer Server version
 * 4.4.5.1141"): dotted numbers, compared number by number.
 */
export function parseHstsVersion(output: string): string | null {
  return /\bversion\s+(\d+(?:\.\d+)*)\b/i.exec(output)?.[1] ?? null;
}

/** <0, 0 or >0 as `a` is older than, the same as, or newer than `b` (missing parts count as 0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
