import type { Rig, RigNode } from '../test/rig/rig.js';
import { startWriter, type Writer } from '../test/support/writer.js';

/**
 * The benchmark's Sentinel-aware client: the integration tests' writer (test/support/writer.ts),
 * whose report keeps each acknowledgement's time, so that the benchmark can take the longest gap
 * within each operation's window. Bounded by time alone (a rolling run may take many writes), and
 * in a folder of its own, so that it cannot meet a test's writer on the same node.
 */
export function startBenchWriter(rig: Rig, node: RigNode | number, key: string, maxSeconds = 1800): Writer {
  return startWriter(rig, node, { key, maxSeconds, maxWrites: Number.MAX_SAFE_INTEGER, dir: '/tmp/hsts-bench-writer' });
}
