/**
 * npm run bench -- --rolling 3,5 [--reps K] [--json]: for each size, a fresh rig, `up`, then with a
 * Sentinel-aware client writing throughout (bench/rolling-writer.ts), `switchover` and a rolling
 * `restart` of every service, K times. Reports the switchover's own window, the client's longest gap
 * between acknowledged writes within each command's run, the restart's wall time, and the writes
 * acknowledged and lost. Figures only: nothing here is asserted against a time.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRig, type Rig } from '../test/rig/rig.js';
import { runCli } from '../test/support/cli.js';
import { eventually, redisCli } from '../test/support/cluster.js';
import { until } from '../test/support/wait.js';
import type { Writer } from '../test/support/writer.js';
import { startBenchWriter } from './rolling-writer.js';
import { longestGapWithin, lostWrites } from './write-gaps.js';

export interface RollingRow {
  nodes: number;
  rep: number;
  switchoverWindowMs: number;
  switchoverMs: number;
  switchoverLongestGapMs: number | null;
  restartMs: number;
  restartCommandMs: number | null;
  restartSwitchoverWindowMs: number | null;
  restartLongestGapMs: number | null;
  acknowledged: number;
  clientErrors: number;
  lost: number;
}

export const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);

interface Status { verdict: string; primary: string }

async function status(rig: Rig): Promise<Status> {
  const r = await runCli(['status', '--json', '-i', rig.inventoryPath]);
  try { return JSON.parse(r.stdout) as Status; } catch { return { verdict: `no answer (exit ${r.exitCode})`, primary: '' }; }
}

async function healthy(rig: Rig): Promise<Status> {
  const s = await eventually(() => status(rig), (v) => v.verdict === 'healthy', 180);
  if (s.verdict !== 'healthy') throw new Error(`the cluster is not healthy: ${JSON.stringify(s)}`);
  return s;
}

/** Runs a CLI command with --json; the JSON result and the wall time from before its start to after its end. */
async function timedCommand(rig: Rig, args: string[]): Promise<{ json: Record<string, unknown>; from: number; to: number }> {
  const from = Date.now();
  const r = await runCli([...args, '--json', '-i', rig.inventoryPath], { timeoutMs: 1_800_000 });
  const to = Date.now();
  if (r.exitCode !== 0) throw new Error(`hsts-cluster ${args.join(' ')} failed (exit ${r.exitCode}):\n${r.stderr.slice(-3000)}`);
  return { json: JSON.parse(r.stdout) as Record<string, unknown>, from, to };
}

/** Waits until the writer has `count` more acknowledged writes than now: the client writes again. */
async function moreWrites(writer: Writer, count: number, what: string): Promise<void> {
  const base = await writer.lastAcked();
  await until(async () => (await writer.lastAcked()) >= base + count, 120, `the writer has ${count} more acknowledged writes ${what}`);
}

async function oneRep(rig: Rig, rep: number): Promise<RollingRow> {
  const key = `bench:rolling:${rep}`;
  const writerNode = rig.nodes.length - 1;
  const writer = startBenchWriter(rig, writerNode, key);
  let stopped = false;
  try {
    await moreWrites(writer, 20, 'before the switchover');
    const switchover = await timedCommand(rig, ['switchover']);
    await moreWrites(writer, 20, 'after the switchover');
    await healthy(rig);
    const restart = await timedCommand(rig, ['restart']);
    await moreWrites(writer, 20, 'after the restart');
    stopped = true;
    const report = await writer.stop();
    const { primary } = await healthy(rig);
    const primaryIndex = rig.nodes.findIndex((n) => n.name.endsWith(`-${primary}`));
    const final = Number((await redisCli(rig, primaryIndex, `GET ${key}`)).output.trim());
    if (!Number.isFinite(final)) throw new Error(`GET ${key} on ${primary} gave no number`);
    const times = report.acks.map((a) => a.at);
    const restartSwitchover = restart.json.switchover as { windowMs?: number } | undefined;
    return {
      nodes: rig.nodes.length,
      rep,
      switchoverWindowMs: Number(switchover.json.windowMs),
      switchoverMs: switchover.to - switchover.from,
      switchoverLongestGapMs: longestGapWithin(times, switchover.from, switchover.to),
      restartMs: restart.to - restart.from,
      restartCommandMs: typeof restart.json.durationMs === 'number' ? restart.json.durationMs : null,
      restartSwitchoverWindowMs: restartSwitchover?.windowMs ?? null,
      restartLongestGapMs: longestGapWithin(times, restart.from, restart.to),
      acknowledged: report.acked.length,
      clientErrors: report.errors.length,
      lost: lostWrites(report.acked, final),
    };
  } finally {
    if (!stopped) await writer.stop().catch(() => undefined);
  }
}

/** Every rep on `nodes` fresh rig nodes; the rig is removed at the end, also after a failure. */
export async function rollingBench(sizes: number[], reps: number): Promise<RollingRow[]> {
  const rows: RollingRow[] = [];
  for (const nodes of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'hsts-rolling-bench-'));
    let rig: Rig | undefined;
    try {
      rig = await startRig({ nodes, name: `bench-rolling-${nodes}-${process.pid}`, dir });
      const up = await runCli(['up', '-i', rig.inventoryPath], { timeoutMs: 900_000 });
      if (up.exitCode !== 0) throw new Error(`up failed (exit ${up.exitCode}):\n${up.stderr.slice(-3000)}`);
      await healthy(rig);
      for (let rep = 1; rep <= reps; rep++) {
        const row = await oneRep(rig, rep);
        console.error(`  ${nodes} nodes, rep ${rep}: switchover window ${row.switchoverWindowMs} ms, client's longest gap ${row.switchoverLongestGapMs} ms; ` +
          `restart ${(row.restartMs / 1000).toFixed(1)} s, client's longest gap ${row.restartLongestGapMs} ms; ` +
          `${row.acknowledged} writes acknowledged, ${row.lost} lost, ${row.clientErrors} errors seen by the client`);
        rows.push(row);
      }
    } finally {
      await rig?.down();
      // The rig's folder holds its private key and Redis password: nothing of it is needed afterwards.
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}
