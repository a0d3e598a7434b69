/**
 * `npm run bench -- --simulated-nodes 3,50,200,500`: the controller alone against the simulated
 * farm (farm.ts), at each size, for a no-op and a cold `up`, with --forks default (all) and limited.
 * hsts-cluster runs as its own process under /usr/bin/time (peak RSS, user + system CPU); the
 * farm's CPU is spent in its worker processes and is not counted.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { criticalPathRoundTrips } from '../critical-path.js';
import { startFarm, type Farm } from './farm.js';
import { UnansweredCommands, unansweredLabels } from './unanswered.js';

export interface SimulationRow {
  /** Nodes in the farm: the size asked for, plus one when it is even (an inventory needs an odd count). */
  nodes: number;
  requestedNodes: number;
  mode: 'noop' | 'cold';
  forks: number | null;
  wallMs: number;
  cpuMs: number;
  cpuMsPerNode: number;
  peakRssMb: number;
  criticalPathRoundTrips: number;
  changed: number;
}

export interface SimulationOptions {
  sizes: number[];
  forks: (number | null)[];
  modes: ('noop' | 'cold')[];
  cli: string;
  recordingPath: string;
  commandDelayMs: number;
  workers: number;
  /** Node.js options for the controller's process (profiling: --cpu-prof, --import a sampler). */
  nodeArgs?: string[];
  /** Told the command keys each run sent (the freshness probe: bench/farm/freshness.ts). */
  onAsked?: (mode: 'noop' | 'cold', keys: string[]) => void;
}

interface UpResult { exitCode: number; totals?: { changed: number; failed: number }; errors?: unknown[] }

/** The run's journal, or '' without one. */
function readJournal(journalDir: string): string {
  const journals = readdirSync(journalDir, { withFileTypes: true }).filter((f) => f.isFile() && f.name.endsWith('.jsonl') && f.name !== 'internal-errors.jsonl');
  return journals.length === 1 ? readFileSync(join(journalDir, journals[0]!.name), 'utf8') : '';
}

/** Fails the run, whatever its result, when the farm had no answer for a command it sent. */
async function checkAnswered(farm: Farm, journalDir: string, run: string, onAsked?: (keys: string[]) => void): Promise<void> {
  const report = await farm.report();
  onAsked?.(report.asked);
  if (report.unanswered.length === 0) return;
  let labels: string[] = [];
  try { labels = unansweredLabels(readJournal(journalDir)); } catch { /* no journal to name them by */ }
  throw new UnansweredCommands(run, labels.length ? labels : report.unanswered.map((k) => k.split('\n')[0]!.slice(0, 120)));
}

function timedUp(cli: string, inventory: string, journalDir: string, forks: number | null, nodeArgs: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'farm-time-'));
  const timeFile = join(dir, 'time');
  const args = ['-f', '%M %U %S', '-o', timeFile, process.execPath, ...nodeArgs, cli, 'up', '-i', inventory, '--json', '--journal-dir', journalDir,
    ...(forks === null ? [] : ['--forks', String(forks)])];
  return new Promise<{ wallMs: number; cpuMs: number; peakRssKb: number; stdout: string; stderr: string; code: number }>((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const [rss, user, system] = (readFileSync(timeFile, 'utf8').trim().split('\n').at(-1) ?? '').split(' ').map(Number);
      rmSync(dir, { recursive: true, force: true });
      resolve({ wallMs, cpuMs: ((user ?? NaN) + (system ?? NaN)) * 1000, peakRssKb: rss ?? NaN, stdout, stderr, code: code ?? 1 });
    });
  });
}

export async function simulate(o: SimulationOptions): Promise<SimulationRow[]> {
  const rows: SimulationRow[] = [];
  for (const requestedNodes of o.sizes) {
    const nodes = requestedNodes % 2 ? requestedNodes : requestedNodes + 1;
    for (const forks of o.forks) {
      for (const mode of o.modes) {
        const farm = await startFarm({ nodes, mode, recordingPath: o.recordingPath, commandDelayMs: o.commandDelayMs, workers: o.workers });
        try {
          const journalDir = join(farm.dir, 'journal');
          const r = await timedUp(o.cli, farm.inventoryPath, journalDir, forks, o.nodeArgs);
          await checkAnswered(farm, journalDir, `simulated ${mode} up on ${nodes} nodes`, o.onAsked && ((keys) => o.onAsked!(mode, keys)));
          let result: UpResult;
          try { result = JSON.parse(r.stdout) as UpResult; } catch { throw new Error(`simulated ${mode} up on ${nodes} nodes gave no result (exit ${r.code}):\n${r.stderr.slice(-3000)}`); }
          const changed = result.totals?.changed ?? -1;
          if (result.exitCode !== 0 || r.code !== 0) {
            throw new Error(`simulated ${mode} up on ${nodes} nodes failed (exit ${r.code}): ${JSON.stringify(result.errors ?? []).slice(0, 3000)}\n${r.stderr.slice(-2000)}`);
          }
          // A no-op that changed something, or a cold run that changed nothing, did not measure what it says.
          if ((mode === 'noop') !== (changed === 0)) throw new Error(`simulated ${mode} up on ${nodes} nodes changed ${changed} things`);
          const journals = readdirSync(journalDir).filter((f) => f.endsWith('.jsonl') && f !== 'internal-errors.jsonl');
          if (journals.length !== 1) throw new Error(`expected one journal, found ${journals.length}`);
          // Profiling: keep the journal to set samples against its events.
          if (process.env.HSTS_SIM_KEEP_JOURNAL) copyFileSync(join(journalDir, journals[0]!), `${process.env.HSTS_SIM_KEEP_JOURNAL}.${nodes}.${mode}.jsonl`);
          const row: SimulationRow = {
            nodes, requestedNodes, mode, forks, wallMs: Math.round(r.wallMs), cpuMs: Math.round(r.cpuMs), cpuMsPerNode: +(r.cpuMs / nodes).toFixed(1),
            peakRssMb: +(r.peakRssKb / 1024).toFixed(1),
            criticalPathRoundTrips: criticalPathRoundTrips(readFileSync(join(journalDir, journals[0]!), 'utf8')), changed,
          };
          console.error(`  simulated ${String(nodes).padStart(3)} nodes ${mode.padEnd(4)} forks ${String(forks ?? 'all').padEnd(4)} ` +
            `${(row.wallMs / 1000).toFixed(2)} s  CPU ${row.cpuMs} ms (${row.cpuMsPerNode} ms/node)  peak RSS ${row.peakRssMb} MB  ` +
            `${row.criticalPathRoundTrips} round trips on the critical path, ${changed} changes`);
          rows.push(row);
        } finally {
          await farm.close();
        }
      }
    }
  }
  return rows;
}
