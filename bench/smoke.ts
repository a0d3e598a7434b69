#!/usr/bin/env node
/**
 * npm run bench:smoke: the benchmark, small, as CI runs it after the tests. The farm at 3 and 50
 * simulated nodes (re-recording first when the recording is stale) and a one-rep rig comparison
 * without Ansible; each must exit 0 and print on stdout one JSON object that holds every field
 * docs/benchmark.md documents (bench/report-fields.ts). No timing is judged: the machine is shared.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { repoRoot } from '../test/rig/image.js';
import { missingFields, RIG_REPORT_FIELDS, SIMULATION_REPORT_FIELDS } from './report-fields.js';

const RUN = resolve(repoRoot(), 'dist', 'bench', 'run.js');
/** Far above what each takes (a few minutes, with a re-recording); past it the run is stuck. */
const TIMEOUT_MS = 20 * 60_000;

const runs = [
  { name: 'farm at 3 and 50 simulated nodes', args: ['--simulated-nodes', '3,50', '--no-ansible', '--scaling', '', '--json'], fields: SIMULATION_REPORT_FIELDS },
  { name: 'rig, 3 nodes, one rep, no Ansible', args: ['--nodes', '3', '--reps', '1', '--scaling', '', '--no-ansible', '--json'], fields: RIG_REPORT_FIELDS },
];

/** Runs the benchmark; its stderr passes through, its stdout is kept whole. */
function bench(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [RUN, ...args], { stdio: ['ignore', 'pipe', 'inherit'], timeout: TIMEOUT_MS });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout }));
  });
}

let failed = 0;
for (const run of runs) {
  console.error(`bench smoke: ${run.name}`);
  const r = await bench(run.args);
  let problem: string | null = null;
  if (r.code !== 0) problem = `exit ${r.code}`;
  else {
    try {
      const missing = missingFields(JSON.parse(r.stdout), run.fields);
      if (missing.length) problem = `its JSON lacks ${missing.join(', ')}`;
    } catch {
      problem = `stdout is not one JSON object: ${JSON.stringify(r.stdout.slice(0, 300))}`;
    }
  }
  if (problem) failed++;
  console.error(`bench smoke: ${run.name}: ${problem ? `FAILED (${problem})` : 'ok, one JSON object with every documented field'}`);
}
console.log(`bench smoke: ${runs.length - failed} of ${runs.length} benchmark runs ok`);
process.exit(failed ? 1 : 0);
