import { readFileSync } from 'node:fs';
import { loadInventory } from '../src/inventory/load.js';
import { NodeConnection } from '../src/ssh/connection.js';
import { inventorySecrets, replayStdin, type TimedBatch } from './recording.js';

/**
 * What the replay needs of a recorded batch: its node, the runner's phase it was sent in, and when
 * it was sent and its answer came back (one counter for the whole run; done < 0: never answered).
 */
export interface Ordered { node: string; wave: string; sent: number; done: number }

/**
 * What each batch waited for in the recorded run, from the order of its events. A batch sent after
 * another's answer waited for it only if that answer could have caused the send:
 * - the same node's earlier answers (a node's task goes on from its own results);
 * - a barrier: a moment with no batch in flight, when the runner waited for every node (between its
 *   phases, or between the steps of a check), except when the batches sent next, before any other
 *   answer, are all the node that answered last going straight on in the same phase (a node's
 *   second facts round trip, after every other node had finished);
 * - an answer from another phase (the runner moved on from it);
 * - the answer that came back just before the batch was sent, whatever its node (what freed a
 *   --forks slot, or ended a wait).
 * Any other batch answered before it was sent did so by chance: two nodes' tasks in one phase are
 * independent. Waiting for every earlier answer instead (as the floor did) ties each node to the
 * recording's interleaving: in a cold up, node A's second facts batch waited for node B's first,
 * because B happened to answer first when recorded; when B is the slow one in the replay, the
 * floor pays for it and hsts-cluster does not.
 */
export function replayDependencies<B extends Ordered>(batches: B[]): Map<B, B[]> {
  const answered = (b: B) => b.done >= 0;
  const events = batches.flatMap((b) => [{ at: b.sent, b, sent: true }, ...(answered(b) ? [{ at: b.done, b, sent: false }] : [])])
    .sort((x, y) => x.at - y.at);
  const barrierBefore = new Map<B, number>(); // the last barrier (a counter value) before each batch was sent
  let inFlight = 0;
  let barrier = Number.NEGATIVE_INFINITY;
  // After a quiet moment, the batches sent before the next answer: one node going on in its phase, or
  // (a second node among them, or another phase) the runner starting its next step on every node.
  let quiet: { at: number; by: B; sent: B[] } | null = null;
  const settle = () => {
    if (quiet && quiet.sent.some((b) => b.node !== quiet!.by.node || b.wave !== quiet!.by.wave)) {
      for (const b of quiet.sent) barrierBefore.set(b, quiet.at);
      barrier = quiet.at;
    }
    quiet = null;
  };
  for (const e of events) {
    if (e.sent) {
      inFlight++;
      barrierBefore.set(e.b, barrier);
      quiet?.sent.push(e.b);
      continue;
    }
    settle();
    inFlight--;
    if (inFlight === 0) quiet = { at: e.at, by: e.b, sent: [] };
  }
  settle();
  return new Map(batches.map((b) => [b, batches.filter((a) => a !== b && answered(a) && a.done < b.sent && (
    a.done <= barrierBefore.get(b)! || a.node === b.node || a.wave !== b.wave || a.done === b.sent - 1))]));
}

/**
 * Runs `batches` as soon as what each waited for in the recording (replayDependencies) has finished
 * here, and no sooner: the recording's parallelism and dependencies, nothing else.
 */
export function replayInOrder<B extends Ordered>(batches: B[], run: (batch: B) => Promise<void>): Promise<void> {
  const waitsFor = replayDependencies(batches);
  const pending = [...batches].sort((a, b) => a.sent - b.sent);
  const finished = new Set<B>();
  let running = 0;
  return new Promise((resolve, reject) => {
    let failed = false;
    const pump = () => {
      if (failed) return;
      for (const batch of pending.filter((b) => waitsFor.get(b)!.every((d) => finished.has(d)))) {
        pending.splice(pending.indexOf(batch), 1);
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
      if (pending.length === 0 && running === 0) resolve();
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
  /** CPU time (user + system) of the replay's process while it replayed, for the controller's own cost. */
  cpuMs: number;
  /** The three longest batches of the replay (ms, when they started, and their command line's start), to see where the time went. */
  slowest: { node: string; sent: number; startMs: number; ms: number; command: string }[];
}

export interface ReplayOptions {
  /**
   * SSH alone: the same connections and the same sessions in the same order, each running `true`
   * with no stdin, and no untimed session ahead of them. What a node pays for being reached the way
   * the recorded run reached it, whatever the commands do: the peer of the run's CPU per node.
   */
  sshOnly?: boolean;
}

/**
 * The floor: the remote batches a recorded run sent, the same command lines with the same stdin,
 * replayed over SSH connections opened beforehand (through the same NodeConnection as hsts-cluster:
 * pipelined, with its spare channel), with the recording's parallelism and dependencies
 * (replayInOrder) and no tool logic. The recording holds placeholders for the secrets: their values
 * come back from the inventory, in memory, before the clock starts.
 */
export async function replayFloor(inventoryPath: string, recordFile: string, options: ReplayOptions = {}): Promise<FloorResult> {
  const inventory = loadInventory(inventoryPath);
  const recorded = readFileSync(recordFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as TimedBatch);
  const batches = options.sshOnly ? recorded.map((b) => ({ ...b, command: 'true' })) : recorded;
  const secrets = inventorySecrets(inventory);
  const stdins = new Map(batches.map((b) => [b, options.sshOnly ? Buffer.alloc(0) : replayStdin(b, secrets)]));
  const connections = new Map<string, NodeConnection>();
  const connecting = process.hrtime.bigint();
  try {
    await Promise.all(inventory.nodes.map(async (node) => {
      const c = new NodeConnection(node.name, node.ssh);
      connections.set(node.name, c);
      await c.connect({ policy: 'strict' });
    }));
    const connectMs = Number(process.hrtime.bigint() - connecting) / 1e6;
    // A connection keeps a session channel open ahead of its next command (src/ssh/session-channels.ts);
    // it is asked for at connect, so a batch sent at once would wait for its open. One command that is
    // not timed takes that channel and has the next one opened while it runs: the clock then starts
    // over connections as open as they get, with a channel waiting on each.
    if (!options.sshOnly) await Promise.all([...connections.values()].map(async (c) => {
      const r = await c.exec('true', Buffer.alloc(0), 60_000);
      if (r.exitCode !== 0) throw new Error(`floor: ${c.nodeName}: \`true\` exited ${r.exitCode}`);
    }));
    const started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    const since = () => Number(process.hrtime.bigint() - started) / 1e6;
    const times: FloorResult['slowest'] = [];
    await replayInOrder(batches, async (b) => {
      const startMs = since();
      const result = await connections.get(b.node)!.exec(b.command, stdins.get(b)!, 120_000);
      times.push({ node: b.node, sent: b.sent, startMs, ms: since() - startMs, command: b.command.slice(0, 160) });
      if (result.exitCode !== 0) throw new Error(`floor replay: ${b.node}: exit ${result.exitCode}`);
    });
    const slowest = times.sort((a, c) => c.ms - a.ms).slice(0, 3);
    const ms = since();
    const cpu = process.cpuUsage(cpuBefore);
    return { ms, connectMs, execs: batches.length, cpuMs: (cpu.user + cpu.system) / 1000, slowest };
  } finally {
    for (const c of connections.values()) c.close();
  }
}
