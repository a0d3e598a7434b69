/**
 * Sequential round trips on a run's critical path, counted from its journal (JSON lines).
 *
 * The runner writes a `command` line for every command of a batch as the batch is sent (one line
 * after another, in the same tick) and a `result` line for each when the batch's answer arrives. So
 * in the journal a batch is a group of consecutive `command` lines of one node, and it ends at the
 * last `result` line that answers one of its commands. Lines are in the order things happened.
 *
 * A point where no batch is in flight is a barrier (the runner waits for every node between its
 * phases), unless the next batch is the same node going straight on; between two barriers nodes
 * work independently. The critical path is then, summed over
 * the segments between barriers, the longest chain of one node's batches that do not overlap (a node
 * may run batches side by side). The count does not depend on how many nodes did the same work.
 */
export interface Batch { node: string; labels: Set<string>; start: number; end: number }

interface JournalLine { event?: string; node?: string; command?: string }

/** The batches of a journal, each with the line numbers it started and ended at. */
export function journalBatches(text: string): Batch[] {
  const lines = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as JournalLine);
  const batches: Batch[] = [];
  const open = new Map<string, Batch[]>(); // by node, batches whose answer has not come yet
  let sending: Batch | null = null;
  let answering: { node: string; batch: Batch } | null = null;
  lines.forEach((line, i) => {
    const node = line.node;
    if (line.event === 'command' && node && line.command !== undefined) {
      answering = null;
      if (sending && sending.node === node) {
        sending.labels.add(line.command);
        return;
      }
      sending = { node, labels: new Set([line.command]), start: i, end: Number.POSITIVE_INFINITY };
      batches.push(sending);
      open.set(node, [...(open.get(node) ?? []), sending]);
      return;
    }
    sending = null;
    if (line.event === 'result' && node && line.command !== undefined) {
      if (answering && answering.node === node && answering.batch.labels.has(line.command)) {
        answering.batch.end = i;
        return;
      }
      const waiting = open.get(node) ?? [];
      const batch = waiting.find((b) => b.labels.has(line.command!));
      if (!batch) { answering = null; return; }
      batch.end = i;
      open.set(node, waiting.filter((b) => b !== batch));
      answering = { node, batch };
      return;
    }
    answering = null;
  });
  // A batch that never answered (the run failed) ends with the journal.
  for (const b of batches) if (b.end === Number.POSITIVE_INFINITY) b.end = lines.length;
  return batches;
}

/** Longest chain of non-overlapping batches (earliest end first is optimal for intervals). */
function longestChain(batches: Batch[]): number {
  let count = 0;
  let lastEnd = -1;
  for (const b of [...batches].sort((a, c) => a.end - c.end)) {
    if (b.start > lastEnd) { count++; lastEnd = b.end; }
  }
  return count;
}

/**
 * Splits batches (sorted by start) where none is in flight, except where the batch sent next is the
 * same node's, sent on the very line after its own answer: that node simply went on with its own
 * work after every other node had finished (a node's second facts round trip, say), not a barrier.
 */
function segments(batches: Batch[]): Batch[][] {
  const out: Batch[][] = [];
  let reach = -1;
  let lastEnded: Batch | null = null;
  for (const b of [...batches].sort((a, c) => a.start - c.start)) {
    const continues = lastEnded !== null && lastEnded.node === b.node && b.start === lastEnded.end + 1;
    if (b.start > reach && !continues) out.push([b]);
    else out.at(-1)!.push(b);
    if (b.end >= reach) { reach = b.end; lastEnded = b; }
  }
  return out;
}

export function criticalPathRoundTrips(journalText: string): number {
  let total = 0;
  for (const segment of segments(journalBatches(journalText))) {
    const byNode = new Map<string, Batch[]>();
    for (const b of segment) byNode.set(b.node, [...(byNode.get(b.node) ?? []), b]);
    total += Math.max(...[...byNode.values()].map(longestChain));
  }
  return total;
}
