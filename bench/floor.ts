import { readFileSync } from 'node:fs';
import { loadInventory } from '../src/inventory/load.js';
import { NodeConnection } from '../src/ssh/connection.js';
import { inventorySecrets, replayStdin, type RecordedBatch as Recorded } from './recording.js';

/** Consecutive records of the same phase, in the order hsts-cluster ran them. */
function waves(records: Recorded[]): Recorded[][] {
  const out: Recorded[][] = [];
  for (const r of records) {
    const last = out.at(-1);
    if (last && last[0]!.wave === r.wave) last.push(r);
    else out.push([r]);
  }
  return out;
}

/**
 * The floor: the remote commands a recorded `up` ran, replayed over SSH connections opened
 * beforehand, phase by phase (nodes in parallel, each node's commands in order), with no tool logic.
 * The recording holds placeholders for the secrets: their values come back from the inventory, in
 * memory, before the clock starts. Returns the replay's wall time in ms (connection setup excluded).
 */
export async function replayFloor(inventoryPath: string, recordFile: string): Promise<{ ms: number; execs: number }> {
  const inventory = loadInventory(inventoryPath);
  const records = readFileSync(recordFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Recorded);
  const secrets = inventorySecrets(inventory);
  const stdins = new Map(records.map((r) => [r, replayStdin(r, secrets)]));
  const connections = new Map<string, NodeConnection>();
  await Promise.all(inventory.nodes.map(async (node) => {
    const c = new NodeConnection(node.name, node.ssh);
    await c.connect({ policy: 'strict' });
    connections.set(node.name, c);
  }));
  try {
    const started = process.hrtime.bigint();
    for (const wave of waves(records)) {
      const byNode = new Map<string, Recorded[]>();
      for (const r of wave) byNode.set(r.node, [...(byNode.get(r.node) ?? []), r]);
      await Promise.all([...byNode].map(async ([node, list]) => {
        for (const r of list) {
          const result = await connections.get(node)!.exec(r.command, stdins.get(r)!, 120_000);
          if (result.exitCode !== 0) throw new Error(`floor replay: ${node}: exit ${result.exitCode}`);
        }
      }));
    }
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, execs: records.length };
  } finally {
    for (const c of connections.values()) c.close();
  }
}
