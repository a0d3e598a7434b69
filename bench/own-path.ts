import { journalBatches } from './critical-path.js';
import { replayDependencies, type Ordered } from './floor.js';

/**
 * The remote part of a timed run, from its own journal: the longest chain of its batches' own
 * send-to-answer times, with the dependencies the floor's replay keeps (replayDependencies). It is
 * what the run would have taken with the same answers and no work of its own, so, unlike the floor
 * (a replay, later, whose remote commands take their own time), it is below the run's time by
 * construction, whatever the load: the difference is the controller's own time on the critical path.
 *
 * The journal has no phases; each node's batches take theirs from the recording of the same kind
 * of run, in order. Null when the two do not have the same batches per node.
 */
export function ownRemotePathMs(journalText: string, recorded: { node: string; wave: string; sent: number }[]): number | null {
  const times = journalText.split('\n').filter((l) => l.trim()).map((l) => Date.parse((JSON.parse(l) as { time: string }).time));
  const batches = journalBatches(journalText).sort((a, b) => a.start - b.start);
  const waves = new Map<string, string[]>();
  for (const r of [...recorded].sort((a, b) => a.sent - b.sent)) waves.set(r.node, [...(waves.get(r.node) ?? []), r.wave]);
  const seen = new Map<string, number>();
  const items: (Ordered & { ms: number })[] = [];
  for (const b of batches) {
    const k = seen.get(b.node) ?? 0;
    seen.set(b.node, k + 1);
    const wave = waves.get(b.node)?.[k];
    if (wave === undefined || b.end >= times.length) return null;
    items.push({ node: b.node, wave, sent: b.start, done: b.end, ms: times[b.end]! - times[b.start]! });
  }
  if ([...waves].some(([node, w]) => seen.get(node) !== w.length)) return null;
  const waitsFor = replayDependencies(items);
  const finish = new Map<Ordered, number>();
  for (const b of items) finish.set(b, Math.max(0, ...waitsFor.get(b)!.map((d) => finish.get(d)!)) + b.ms);
  return Math.max(0, ...finish.values());
}
