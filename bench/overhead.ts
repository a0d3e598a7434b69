/**
 * hsts-cluster's overhead, honestly. The primary figure is each run over its own answers' path (the
 * longest chain of its own batches' answer times, own-path.ts): measured in the same run, so below
 * it by construction whatever the load. The floor's replay runs later, under whatever load then is:
 * its ratio is reported beside, with a note when the replay came out slower than hsts-cluster,
 * since it then is no lower bound.
 */
export interface TimedRun { ms: number; ownRemotePathMs: number | null }

export interface Overhead {
  /** Median over the reps of run time / own answers' path; null when no run had its path. */
  overOwnPath: number | null;
  /** hsts-cluster's median over the floor's median. */
  overFloor: number;
  /** The floor's replay took longer than hsts-cluster (medians). */
  floorSlower: boolean;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function overhead(runs: TimedRun[], floorMs: number[]): Overhead {
  const ownRatios = runs.filter((r) => r.ownRemotePathMs !== null && r.ownRemotePathMs > 0).map((r) => r.ms / r.ownRemotePathMs!);
  const hsts = median(runs.map((r) => r.ms)) ?? Number.NaN;
  const floor = median(floorMs) ?? Number.NaN;
  return { overOwnPath: median(ownRatios), overFloor: hsts / floor, floorSlower: floor > hsts };
}

/** The note beside the floor's ratio when the replay was slower, or null. */
export function floorNote(what: string, o: Overhead): string | null {
  if (!o.floorSlower) return null;
  return `the floor's replay of the ${what} came out slower than hsts-cluster (hsts-cluster / floor ${o.overFloor.toFixed(2)}x): ` +
    'the load changed between the two, so here it is no lower bound; the own answers\' path is the overhead figure';
}
