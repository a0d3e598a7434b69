/**
 * A cold start: every node was down, no Sentinel answers and no Redis is a primary with replicas.
 * The node to start as primary is the one with the newest dataset, not necessarily the inventory's.
 * Pure: each node's dataset facts in, the newest node(s) out.
 */

/** What a node's dataset says of its age: its Redis's replication position (running, or from its RDB file's head). */
export interface Dataset {
  /** Replication id the offset counts in (Redis keeps counting across a promotion, under a new id). */
  replid?: string;
  /** Bytes of replication stream this dataset has seen. */
  offset?: number;
  /** When the RDB file was written (unix seconds, its `ctime`). */
  savedAt?: number;
  /** Where the figures come from. */
  source: 'running Redis' | 'RDB file';
}

/**
 * Positive when `a` is newer than `b`: the replication offset first; equal offsets in the same
 * replication history are the same data (a tie, whenever each file was written: nodes stopped one
 * after the other write their RDB at different times); otherwise the RDB time.
 */
export function compareDatasets(a: Dataset, b: Dataset): number {
  if (a.offset !== undefined && b.offset !== undefined) {
    if (a.offset !== b.offset) return a.offset - b.offset;
    if (a.replid !== undefined && a.replid === b.replid) return 0;
  } else if (a.offset !== undefined || b.offset !== undefined) {
    return a.offset !== undefined ? 1 : -1;
  }
  return (a.savedAt ?? -1) - (b.savedAt ?? -1);
}

/** A dataset with nothing to compare (no offset, no RDB time) is no candidate. */
const comparable = (d: Dataset | undefined): d is Dataset => d !== undefined && ((d.offset ?? 0) > 0 || d.savedAt !== undefined);

/** The names of the nodes holding the newest dataset (several when they tie); empty when no node has one. */
export function newestDatasets(datasets: { name: string; dataset?: Dataset }[]): string[] {
  const candidates = datasets.filter((d): d is { name: string; dataset: Dataset } => comparable(d.dataset));
  if (candidates.length === 0) return [];
  const best = candidates.reduce((a, b) => (compareDatasets(b.dataset, a.dataset) > 0 ? b : a));
  return candidates.filter((c) => compareDatasets(c.dataset, best.dataset) === 0).map((c) => c.name);
}

/** "replication offset 1234 (id 0f3a9c1e…), RDB written 2026-11-28T14:02:11Z, running Redis" */
export function describeDataset(d: Dataset): string {
  const parts: string[] = [];
  if (d.offset !== undefined) parts.push(`replication offset ${d.offset}${d.replid ? ` (id ${d.replid.slice(0, 8)}…)` : ''}`);
  if (d.savedAt !== undefined) parts.push(`RDB written ${new Date(d.savedAt * 1000).toISOString().replace('.000Z', 'Z')}`);
  return `${parts.join(', ') || 'no position'}, from its ${d.source}`;
}
