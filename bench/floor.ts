import { readFileSync } from 'node:fs';
import { loadInventory } from '../src/inventory/load.js';
import { NodeConnection } from '../src/ssh/connection.js';
import { inventorySecrets, replayStdin, type TimedBatch } from './recording.js';

/** What the replay needs of a recorded batch: when it was sent and when its answer came back. */
export interface Ordered { sent: number; done: number }

/**
 * Runs `batches` as soon as the recording allows and no sooner: a batch starts when every batch whose
 * answer came back before it was sent has finished here too. Batches that overlapped in the recording
 * may overlap here (the same parallelism); none waits for anything it did not wait for there.
 */
export function replayInOrder<B extends Ordered>(batches: B[], run: (batch: B) => Promise<void>): Promise<void> {
  const answered = (b: B) => (b.done < 0 ? Number.POSITIVE_INFINITY : b.done);
  const bySent = [...batches].sort((a, b) => a.sent - b.sent);
  const byDone = [...batches].sort((a, b) => answered(a) - answered(b));
  // How many batches had answered when each was sent: it waits for exactly those (the first `need`
  // of byDone). `need` grows with `sent`, so launching in sent order never holds up a ready batch.
  const need = new Map<B, number>();
  let k = 0;
  for (const b of bySent) {
    while (k < byDone.length && answered(byDone[k]!) < b.sent) k++;
    need.set(b, k);
  }
  const finished = new Set<B>();
  let prefix = 0; // byDone[0..prefix) have all finished here
  let next = 0;
  let running = 0;
  return new Promise((resolve, reject) => {
    let failed = false;
    const pump = () => {
      if (failed) return;
      while (prefix < byDone.length && finished.has(byDone[prefix]!)) prefix++;
      while (next < bySent.length && need.get(bySent[next]!)! <= prefix) {
        const batch = bySent[next++]!;
        running++;
        run(batch).then(() => {
          running--;
          finished.add(batch);
          pump();
        }, (e: unknown) => {
          failed = true;
          reject(e instanceof Error ? e : new Error(String(e)));
        });
      }
      if (next === bySent.length && running === 0) resolve();
    };
    pump();
  });
}

export interface FloorResult {
  /** The replay's wall time, connections already open. */
  ms: number;
  /** Opening every node's connection, in parallel, before the clock of `ms` starts. */
  connectMs: number;
  execs: number;
  /** The three longest batches of the replay (ms, when they started, and their command line's start), to see where the time went. */
  slowest: { node: string; sent: number; startMs: number; ms: number; command: string }[];
}

/**
 * The floor: the remote batches a recorded run sent, the same command lines with the same stdin,
 * replayed over SSH connections opened beforehand, with the recording's parallelism and dependencies
 * (replayInOrder) and no tool logic. The recording holds placeholders for the secrets: their values
 * come back from the inventory, in memory, before the clock starts.
 */
export async function replayFloor(inventoryPath: string, recordFile: string): Promise<FloorResult> {
  const inventory = loadInventory(inventoryPath);
  const batches = readFileSync(recordFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as TimedBatch);
  const secrets = inventorySecrets(inventory);
  const stdins = new Map(batches.map((b) => [b, replayStdin(b, secrets)]));
  const connections = new Map<string, NodeConnection>();
  const connecting = process.hrtime.bigint();
  try {
    await Promise.all(inventory.nodes.map(async (node) => {
      const c = new NodeConnection(node.name, node.ssh);
      connections.set(node.name, c);
      await c.connect({ policy: 'strict' });
    }));
    const connectMs = Number(process.hrtime.bigint() - connecting) / 1e6;
    const started = process.hrtime.bigint();
    const since = () => Number(process.hrtime.bigint() - started) / 1e6;
    const times: FloorResult['slowest'] = [];
    await replayInOrder(batches, async (b) => {
      const startMs = since();
      const result = await connections.get(b.node)!.exec(b.command, stdins.get(b)!, 120_000);
      times.push({ node: b.node, sent: b.sent, startMs, ms: since() - startMs, command: b.command.slice(0, 160) });
      if (result.exitCode !== 0) throw new Error(`floor replay: ${b.node}: exit ${result.exitCode}`);
    });
    const slowest = times.sort((a, c) => c.ms - a.ms).slice(0, 3);
    return { ms: since(), connectMs, execs: batches.length, slowest };
  } finally {
    for (const c of connections.values()) c.close();
  }
}
