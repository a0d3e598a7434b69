#!/usr/bin/env node
/** node dist/bench/farm/sim-run.js SIZES [FORKS] [MODES]: the simulation alone (bench/farm/simulate.ts), rows as JSON. */
import { resolve } from 'node:path';
import { repoRoot } from '../../test/rig/image.js';
import { simulate } from './simulate.js';

const [sizes = '3', forks = 'all', modes = 'noop,cold', delay = '5'] = process.argv.slice(2);
const root = repoRoot();
const rows = await simulate({
  sizes: sizes.split(',').map(Number),
  forks: forks.split(',').map((f) => (f === 'all' ? null : Number(f))),
  modes: modes.split(',') as ('noop' | 'cold')[],
  cli: resolve(root, 'dist', 'cli', 'hsts-cluster.mjs'),
  recordingPath: resolve(root, 'bench', 'farm', 'rig-node.recording.json'),
  commandDelayMs: Number(delay),
  workers: 3,
});
process.stdout.write(`${JSON.stringify(rows)}\n`);
