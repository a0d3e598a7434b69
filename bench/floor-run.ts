#!/usr/bin/env node
/**
 * node dist/bench/floor-run.js INVENTORY RECORD_FILE [--ssh-only]: replays a recording (bench/floor.ts)
 * and prints {"ms", "connectMs", "execs", ...} as JSON; with --ssh-only, each batch runs `true` instead
 * (ReplayOptions.sshOnly). The benchmark runs the floor in a process of its own, as
 * hsts-cluster runs in its own: in the benchmark's process it would share one event loop with the
 * delay proxies, and be slowed by them where hsts-cluster is not.
 */
import { replayFloor } from './floor.js';

const [inventory, record, mode, ...rest] = process.argv.slice(2);
if (!inventory || !record || (mode !== undefined && mode !== '--ssh-only') || rest.length > 0) {
  process.stderr.write('usage: floor-run.js INVENTORY RECORD_FILE [--ssh-only]\n');
  process.exit(2);
}
try {
  process.stdout.write(`${JSON.stringify(await replayFloor(inventory, record, { sshOnly: mode === '--ssh-only' }))}\n`);
} catch (e) {
  process.stderr.write(`floor: ${(e as Error).message}\n`);
  process.exit(1);
}
