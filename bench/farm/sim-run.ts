#!/usr/bin/env node
/**
 * node dist/bench/farm/sim-run.js SIZES [FORKS] [MODES] [DELAY]: the simulation alone
 * (bench/farm/simulate.ts), rows as JSON. HSTS_SIM_NODE_ARGS (space-separated) adds Node.js options
 * to the controller's process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` or
 * `--import=./dist/bench/farm/memory-sampler.js` (with HSTS_MEMORY_SAMPLES=FILE); HSTS_SIM_CLI runs
 * another build's dist/cli/hsts-cluster.mjs.
 */
import { resolve } from 'node:path';
import { repoRoot } from '../../test/rig/image.js';
import { simulate } from './simulate.js';

const [sizes = '3', forks = 'all', modes = 'noop,cold', delay = '5'] = process.argv.slice(2);
const root = repoRoot();
const rows = await simulate({
  sizes: sizes.split(',').map(Number),
  forks: forks.split(',').map((f) => (f === 'all' ? null : Number(f))),
  modes: modes.split(',') as ('noop' | 'cold')[],
  // HSTS_SIM_CLI: another build's bundle against the same farm (a before/after pair).
  cli: process.env.HSTS_SIM_CLI ?? resolve(root, 'dist', 'cli', 'hsts-cluster.mjs'),
  recordingPath: resolve(root, 'bench', 'farm', 'rig-node.recording.json'),
  commandDelayMs: Number(delay),
  workers: 3,
  nodeArgs: (process.env.HSTS_SIM_NODE_ARGS ?? '').split(' ').filter(Boolean),
});
process.stdout.write(`${JSON.stringify(rows)}\n`);
