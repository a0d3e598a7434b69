#!/usr/bin/env node
/**
 * npm run bench -- --nodes N [--reps K] [--rtt MS] [--json] [--scaling 3,9,15] [--no-ansible]
 * npm run bench -- --simulated-nodes 3,50,200,500 [--farm-forks F] [--farm-delay MS] [--json]
 * npm run bench -- --rolling 3,5 [--reps K] [--json]   (switchover and rolling restart under writes: bench/rolling.ts)
 *
 * On fresh rig nodes, alternating the tools within one run (nodes reset between cold runs):
 * hsts-cluster cold up and no-op re-run, Ansible (bench/ansible) cold and re-run, and the floor
 * (the batches of a recorded cold up and no-op replayed over open connections with the recording's
 * parallelism and dependencies, no tool logic: bench/floor.ts).
 * Prints medians with min and max, the ratios, controller peak memory, and the SSH connections
 * and remote commands each tool used per node (counted from the nodes' sshd logs).
 * With --rtt MS every tool reaches the nodes' SSH through a proxy on 127.0.0.1 that delays each
 * chunk by MS/2 per direction (bench/delay-proxy.ts), as if the controller were MS away.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { repoRoot } from '../test/rig/image.js';
import { resetNodes, savePristine } from '../test/rig/reset.js';
import { startRig, type Rig } from '../test/rig/rig.js';
import { criticalPathRoundTrips } from './critical-path.js';
import { startDelayProxy, type DelayProxy } from './delay-proxy.js';
import { meanRunCpuMs, nodeCpuMeter } from './node-cpu.js';
import { ownRemotePathMs } from './own-path.js';
import { floorNote, overhead } from './overhead.js';
import type { FloorResult } from './floor.js';
import { ensureFreshRecording } from './farm/fresh-recording.js';
import { simulate } from './farm/simulate.js';
import { loadAverage, rollingBench } from './rolling.js';

interface Measure {
  ms: number; peakRssKb: number; cpuMs: number; connectionsPerNode: number; sessionsPerNode: number; criticalPathRoundTrips: number | null;
  /** The longest chain of the run's own batch answer times (bench/own-path.ts), or null. */
  ownRemotePathMs: number | null;
  /** CPU the run cost on a node (its container's cgroup counter, less the background; mean over the nodes), or null. */
  nodeCpuMs: number | null;
}
interface Stats { median: number; min: number; max: number; runs: number[] }

const root = repoRoot();
const CLI = resolve(root, 'dist', 'cli', 'hsts-cluster.mjs');
const RECORD_UP = resolve(root, 'dist', 'bench', 'record-up.js');
const FLOOR_RUN = resolve(root, 'dist', 'bench', 'floor-run.js');
const ANSIBLE = resolve(root, 'bench', 'ansible', 'run.sh');

function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, runs: values };
}

function ensureTools(ansible: boolean): void {
  const missing = [];
  if (!existsSync('/usr/bin/time')) missing.push('time');
  if (ansible) {
    try { execFileSync('ansible-playbook', ['--version'], { stdio: 'ignore' }); } catch { missing.push('ansible-core'); }
  }
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`missing: ${missing.join(', ')} (apt-get install ${missing.join(' ')})`);
  console.error(`bench: installing ${missing.join(', ')} from Debian's packages`);
  // apt-get's output to stderr: stdout is for --json's one object.
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: ['ignore', 2, 2], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** Runs a command under /usr/bin/time: wall ms, the controller's peak resident memory and CPU time (user + system). */
function timed(command: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; peakRssKb: number; cpuMs: number; exitCode: number; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-time-'));
  const out = join(dir, 'rss');
  return new Promise((resolvePromise) => {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', out, ...command], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const [rss, user, system] = (readFileSync(out, 'utf8').trim().split('\n').at(-1) ?? '').split(' ').map(Number);
      rmSync(dir, { recursive: true, force: true });
      resolvePromise({ ms, peakRssKb: rss ?? Number.NaN, cpuMs: ((user ?? Number.NaN) + (system ?? Number.NaN)) * 1000, exitCode: code ?? 1, stderr });
    });
  });
}

/** sshd's own count, on every node, since `since` (seconds): connections and command sessions. */
async function sshCounts(rig: Rig, since: number): Promise<{ connections: number; sessions: number }> {
  const counts = await Promise.all(rig.nodes.map(async (node) => {
    const r = await rig.sh(node, `journalctl -u ssh --since @${since} -o cat | grep -cE 'Accepted publickey'; journalctl -u ssh --since @${since} -o cat | grep -cE 'Starting session: command'; true`);
    const [connections = 0, sessions = 0] = r.output.trim().split('\n').map(Number);
    return { connections, sessions };
  }));
  const n = rig.nodes.length;
  return {
    connections: counts.reduce((a, c) => a + c.connections, 0) / n,
    sessions: counts.reduce((a, c) => a + c.sessions, 0) / n,
  };
}

/** The journal of the one run journaled in `dir`, or null without a journal. */
function runJournal(dir: string | undefined): string | null {
  if (!dir) return null;
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl') && f !== 'internal-errors.jsonl') : [];
  if (files.length !== 1) throw new Error(`expected one run journal in ${dir}, found ${files.length}`);
  return readFileSync(join(dir, files[0]!), 'utf8');
}

/** The batches' nodes and phases in a recording (bench/recording.ts), for ownRemotePathMs. */
const recordedPhases = (record: string) => readFileSync(record, 'utf8').split('\n').filter(Boolean)
  .map((l) => JSON.parse(l) as { node: string; wave: string; sent: number });

async function measure(rig: Rig, label: string, command: string[], env: NodeJS.ProcessEnv = {}, journalDir?: string, record?: string): Promise<Measure> {
  // sshd's journal has second resolution: start counting on a fresh second, after the last run's lines.
  // The wait is also the quiet interval over which the nodes' background CPU is measured.
  const { meter } = nodeCpuMeter(rig.nodes.map((n) => n.container.getId()));
  const quiet = meter && { at: Date.now(), cpu: meter.read() };
  await new Promise((r) => setTimeout(r, 1100));
  const since = Math.ceil(Date.now() / 1000);
  await new Promise((r) => setTimeout(r, since * 1000 - Date.now() + 20));
  const before = meter && { at: Date.now(), cpu: meter.read() };
  const r = await timed(command, env);
  const nodeCpuMs = meter && quiet && before ? meanRunCpuMs(quiet, before, meter.read(), r.ms) : null;
  if (r.exitCode !== 0) throw new Error(`${label} failed (exit ${r.exitCode}):\n${r.stderr.slice(-3000)}`);
  await new Promise((r2) => setTimeout(r2, 300));
  const ssh = await sshCounts(rig, since);
  const journal = runJournal(journalDir);
  const trips = journal === null ? null : criticalPathRoundTrips(journal);
  const own = journal === null || !record ? null : ownRemotePathMs(journal, recordedPhases(record));
  if (journalDir) rmSync(dirname(journalDir), { recursive: true, force: true });
  console.error(`  ${label.padEnd(24)} ${(r.ms / 1000).toFixed(2)} s  CPU ${(r.cpuMs / 1000).toFixed(2)} s  peak RSS ${(r.peakRssKb / 1024).toFixed(0)} MB  ` +
    `ssh per node: ${ssh.connections} connection(s), ${ssh.sessions} command session(s)` +
    (trips === null ? '' : `, ${trips} round trips on the critical path`) +
    (own === null ? '' : `, its own answers' critical path ${(own / 1000).toFixed(2)} s`) +
    (nodeCpuMs === null ? '' : `, CPU per node ${(nodeCpuMs / 1000).toFixed(2)} s`));
  return { ms: r.ms, peakRssKb: r.peakRssKb, cpuMs: r.cpuMs, connectionsPerNode: ssh.connections, sessionsPerNode: ssh.sessions, criticalPathRoundTrips: trips, ownRemotePathMs: own, nodeCpuMs };
}

/** A fresh journal directory for one run: its journal is read, then removed, by measure(). */
const freshJournalDir = () => join(mkdtempSync(join(tmpdir(), 'bench-journal-')), 'journal');
const upCommand = (inventory: string, journalDir: string) => [process.execPath, CLI, 'up', '-i', inventory, '--json', '--journal-dir', journalDir];
/** The same up, recording its remote batches for the floor (secrets as placeholders). */
const recordingUpCommand = (inventory: string, record: string, journalDir: string) =>
  [process.execPath, RECORD_UP, record, 'up', '-i', inventory, '--json', '--journal-dir', journalDir];

/**
 * Puts a delaying proxy in front of every node's SSH port and writes an inventory (and known_hosts,
 * whose entries name the proxy's port, as the tools look keys up by host:port) that goes through them.
 */
async function delayedInventory(rig: Rig, rttMs: number): Promise<{ inventoryPath: string; proxies: DelayProxy[] }> {
  const proxies: DelayProxy[] = [];
  try {
    for (const node of rig.nodes) proxies.push(await startDelayProxy({ host: '127.0.0.1', port: node.sshPort }, rttMs));
  } catch (e) {
    await Promise.all(proxies.map((p) => p.close()));
    throw e;
  }
  writeFileSync(join(rig.dir, 'known_hosts-rtt'), `${rig.nodes.map((n, i) => `[127.0.0.1]:${proxies[i]!.port} ${n.hostKey}`).join('\n')}\n`);
  const inventoryPath = rig.writeInventory('inventory-rtt.json', {
    ...rig.inventory,
    ssh: { ...rig.inventory.ssh, knownHosts: 'known_hosts-rtt' },
    nodes: rig.inventory.nodes.map((n, i) => ({ ...n, ssh: { ...n.ssh, host: '127.0.0.1', port: proxies[i]!.port } })),
  });
  return { inventoryPath, proxies };
}

/** Wall time of a short command, run to its end. */
function wallMs(command: string[]): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(command[0]!, command.slice(1), { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${command.join(' ')} failed (exit ${r.status})`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Start-up: `hsts-cluster --version` against `node -e 0`, interleaved so that both see the same load. */
function startup(): { versionMs: number; nodeMs: number } {
  const version: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < 7; i++) {
    version.push(wallMs([process.execPath, CLI, '--version']));
    bare.push(wallMs([process.execPath, '-e', '0']));
  }
  return { versionMs: stats(version).median, nodeMs: stats(bare).median };
}

/**
 * The comparison is fair only if Ansible made the cluster hsts-cluster makes: after its runs,
 * `hsts-cluster plan` must find nothing to change. Returns the changes it would make, one per line.
 */
function planAfterAnsible(rig: Rig): string[] {
  let stdout: string;
  try {
    stdout = execFileSync(process.execPath, [CLI, 'plan', '-i', rig.inventoryPath, '--json'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  } catch (e) {
    stdout = ((e as { stdout?: Buffer }).stdout ?? '').toString();
  }
  try {
    const plan = JSON.parse(stdout) as { nodes: { name: string; changes: { step: string; summary: string }[] }[] };
    return plan.nodes.flatMap((n) => n.changes.map((c) => `${n.name}: [${c.step}] ${c.summary}`));
  } catch {
    return ['hsts-cluster plan gave no result'];
  }
}
const ansibleCommand = (inventory: string) => [ANSIBLE, inventory];

interface HstsRound {
  cold: Measure; noop: Measure; floorCold: FloorResult; floorNoop: FloorResult;
  /** CPU per node of the recordings' SSH alone (replayFloor's sshOnly), or null without a CPU counter. */
  sshOnlyNodeCpuMs: { coldUp: number | null; noop: number | null };
}

/**
 * `run`'s CPU per node as measure() takes it (mean over the nodes, less the background measured over
 * the quiet second before), or null where the host shows no container CPU counter.
 */
async function nodeCpuAround(rig: Rig, run: () => Promise<unknown>): Promise<number | null> {
  const { meter } = nodeCpuMeter(rig.nodes.map((n) => n.container.getId()));
  if (!meter) {
    await run();
    return null;
  }
  const quiet = { at: Date.now(), cpu: meter.read() };
  await new Promise((r) => setTimeout(r, 1000));
  const before = { at: Date.now(), cpu: meter.read() };
  await run();
  return meanRunCpuMs(quiet, before, meter.read(), Date.now() - before.at);
}

/** Runs `up` through the recorder, untimed, so that the floor can replay its batches. */
async function recordRun(inventory: string, record: string): Promise<void> {
  rmSync(record, { force: true });
  const journal = freshJournalDir();
  const r = await timed(recordingUpCommand(inventory, record, journal), {});
  rmSync(dirname(journal), { recursive: true, force: true });
  if (r.exitCode !== 0) throw new Error(`recorded up failed (exit ${r.exitCode}):\n${r.stderr.slice(-3000)}`);
}

/** The floor's replay of a recording, in a process of its own (bench/floor-run.ts); `sshOnly`: each batch runs `true`. */
function replayFloor(inventory: string, record: string, sshOnly = false): Promise<FloorResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [FLOOR_RUN, inventory, record, ...(sshOnly ? ['--ssh-only'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => {
      if (code === 0) resolvePromise(JSON.parse(stdout) as FloorResult);
      else reject(new Error(`floor replay failed (exit ${code}): ${stderr.trim().slice(-2000)}`));
    });
  });
}

/**
 * One round of hsts-cluster and its floor on fresh nodes. First the cold up and the no-op through the
 * recorder (untimed: it loads the unbundled modules); then, each on fresh nodes and back to back so
 * that both see the same load, hsts-cluster's cold up and no-op timed as shipped (the bundle) and the
 * floor's replays of the two recordings. `floorFirst` swaps the two, so that over the reps neither
 * always runs in the other's wake.
 */
async function hstsRound(rig: Rig, inventory: string, pristine: string[], floorFirst: boolean, label = '', sshAlone = true): Promise<HstsRound> {
  const coldRecord = join(rig.dir, 'record-cold.jsonl');
  const noopRecord = join(rig.dir, 'record-noop.jsonl');
  await resetNodes(rig, rig.nodes, pristine);
  await recordRun(inventory, coldRecord);
  await recordRun(inventory, noopRecord);
  const timedRuns = async () => {
    await resetNodes(rig, rig.nodes, pristine);
    const coldJournal = freshJournalDir();
    const cold = await measure(rig, `hsts-cluster cold up${label}`, upCommand(inventory, coldJournal), {}, coldJournal, coldRecord);
    const noopJournal = freshJournalDir();
    const noop = await measure(rig, `hsts-cluster no-op${label}`, upCommand(inventory, noopJournal), {}, noopJournal, noopRecord);
    return { cold, noop };
  };
  const floorRuns = async () => {
    await resetNodes(rig, rig.nodes, pristine);
    const floorCold = await replayFloor(inventory, coldRecord);
    const floorNoop = await replayFloor(inventory, noopRecord);
    for (const [name, f] of [['floor cold', floorCold], ['floor no-op', floorNoop]] as const) {
      console.error(`  ${`${name}${label}`.padEnd(24)} ${(f.ms / 1000).toFixed(2)} s  (${f.execs} batches over open connections, CPU ${(f.cpuMs / 1000).toFixed(2)} s; connecting took ${(f.connectMs / 1000).toFixed(2)} s; ` +
        `slowest: ${f.slowest.map((b) => `${b.node} #${b.sent} at ${(b.startMs / 1000).toFixed(2)} s took ${(b.ms / 1000).toFixed(2)} s`).join(', ')})`);
    }
    // What reaching the nodes costs them, the commands left out: the peer of the runs' CPU per node.
    const sshOnlyNodeCpuMs = sshAlone ? {
      coldUp: await nodeCpuAround(rig, () => replayFloor(inventory, coldRecord, true)),
      noop: await nodeCpuAround(rig, () => replayFloor(inventory, noopRecord, true)),
    } : { coldUp: null, noop: null };
    if (sshOnlyNodeCpuMs.noop !== null && sshOnlyNodeCpuMs.coldUp !== null) {
      console.error(`  ${`SSH alone${label}`.padEnd(24)} CPU per node ${(sshOnlyNodeCpuMs.coldUp / 1000).toFixed(2)} s (cold up's connections and sessions, each running \`true\`), ` +
        `${(sshOnlyNodeCpuMs.noop / 1000).toFixed(2)} s (no-op's)`);
    }
    return { floorCold, floorNoop, sshOnlyNodeCpuMs };
  };
  if (floorFirst) {
    const floor = await floorRuns();
    return { ...(await timedRuns()), ...floor };
  }
  const timed = await timedRuns();
  return { ...timed, ...(await floorRuns()) };
}

async function compare(nodes: number, reps: number, withAnsible: boolean, rttMs: number | undefined) {
  const rig = await startRig({ nodes, name: `bench-${nodes}-${process.pid}`, dir: mkdtempSync(join(tmpdir(), 'hsts-bench-')) });
  let proxies: DelayProxy[] = [];
  const results: Record<string, Measure[]> = { hstsCold: [], hstsNoop: [], ansibleCold: [], ansibleRerun: [] };
  const floor: HstsRound[] = [];
  const ansibleDifferences = new Set<string>();
  let nodeCpuNote: string | null = null;
  try {
    let inventory = rig.inventoryPath;
    if (rttMs !== undefined) ({ inventoryPath: inventory, proxies } = await delayedInventory(rig, rttMs));
    const pristine = await savePristine(rig, rig.nodes);
    const { why } = nodeCpuMeter(rig.nodes.map((n) => n.container.getId()));
    if (why) nodeCpuNote = `CPU per node not measured: ${why}`;
    for (let rep = 1; rep <= reps; rep++) {
      console.error(`rep ${rep}/${reps} on ${nodes} nodes`);
      const hsts = async () => {
        const round = await hstsRound(rig, inventory, pristine, rep % 2 === 0);
        results.hstsCold!.push(round.cold);
        results.hstsNoop!.push(round.noop);
        floor.push(round);
      };
      const ansible = async () => {
        if (!withAnsible) return;
        await resetNodes(rig, rig.nodes, pristine);
        // A fresh ControlPath directory: Ansible's cold run opens its connections like ours does.
        const control = mkdtempSync(join(tmpdir(), 'ansible-cp-'));
        const env = { ANSIBLE_SSH_CONTROL_PATH_DIR: control };
        results.ansibleCold!.push(await measure(rig, 'Ansible cold', ansibleCommand(inventory), env));
        results.ansibleRerun!.push(await measure(rig, 'Ansible re-run', ansibleCommand(inventory), env));
        rmSync(control, { recursive: true, force: true });
        const differences = planAfterAnsible(rig);
        differences.forEach((d) => ansibleDifferences.add(d));
        console.error(`  ${'end state'.padEnd(24)} ${differences.length === 0 ? 'the same: hsts-cluster plan finds nothing to change' : `DIFFERS:\n    ${differences.join('\n    ')}`}`);
      };
      if (rep % 2) { await hsts(); await ansible(); } else { await ansible(); await hsts(); }
    }
  } finally {
    await Promise.all(proxies.map((p) => p.close()));
    await rig.down();
    // The rig's folder holds its private key and Redis password: nothing of it is needed afterwards.
    rmSync(rig.dir, { recursive: true, force: true });
  }
  return { results, floor, ansibleDifferences: [...ansibleDifferences], nodeCpuNote };
}

async function scaling(sizes: number[], reps: number) {
  const out: { nodes: number; cold: Stats; noop: Stats; floor: Stats; peakRssMb: number; bootS: number }[] = [];
  for (const nodes of sizes) {
    const booted = Date.now();
    const rig = await startRig({ nodes, name: `bench-scale-${nodes}-${process.pid}`, dir: mkdtempSync(join(tmpdir(), 'hsts-scale-')) });
    const bootS = (Date.now() - booted) / 1000;
    console.error(`${nodes} nodes booted in ${bootS.toFixed(1)} s`);
    try {
      const pristine = await savePristine(rig, rig.nodes);
      const cold: Measure[] = [];
      const noop: Measure[] = [];
      const floor: number[] = [];
      for (let rep = 1; rep <= reps; rep++) {
        const round = await hstsRound(rig, rig.inventoryPath, pristine, rep % 2 === 0, `, ${nodes} nodes`, false);
        cold.push(round.cold);
        noop.push(round.noop);
        floor.push(round.floorCold.ms);
      }
      out.push({
        nodes, bootS,
        cold: stats(cold.map((m) => m.ms)),
        noop: stats(noop.map((m) => m.ms)),
        floor: stats(floor),
        peakRssMb: Math.max(...cold.map((m) => m.peakRssKb)) / 1024,
      });
    } finally {
      await rig.down();
      rmSync(rig.dir, { recursive: true, force: true });
    }
  }
  return out;
}

/** --simulated-nodes: the controller alone against the farm (bench/farm/simulate.ts); no rig, no Ansible. */
async function simulationOnly(opts: { simulatedNodes?: string; farmForks: number; farmDelay: number; farmWorkers: number; json?: boolean }) {
  const sizes = (opts.simulatedNodes ?? '').split(',').map(Number);
  const bad = (what: string) => { console.error(`bench: ${what}`); process.exit(2); };
  if (sizes.some((n) => !Number.isInteger(n) || n < 3 || n > 2000)) bad('--simulated-nodes must list whole numbers from 3 to 2000, e.g. 3,50,200,500');
  if (!Number.isInteger(opts.farmForks) || opts.farmForks < 1) bad('--farm-forks must be a whole number of at least 1');
  if (!(opts.farmDelay >= 0 && opts.farmDelay <= 60_000)) bad('--farm-delay must be milliseconds from 0 to 60000');
  if (!Number.isInteger(opts.farmWorkers) || opts.farmWorkers < 1 || opts.farmWorkers > 64) bad('--farm-workers must be a whole number from 1 to 64');
  ensureTools(false);
  const recordingPath = resolve(root, 'bench', 'farm', 'rig-node.recording.json');
  const { recordedAgain } = await ensureFreshRecording(CLI, recordingPath);
  const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  const rows = await simulate({
    sizes, forks: [null, opts.farmForks], modes: ['noop', 'cold'], cli: CLI, recordingPath,
    commandDelayMs: opts.farmDelay, workers: opts.farmWorkers,
  });
  const loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  console.error(`load average (1, 5, 15 min): ${loadBefore.join(' ')} before, ${loadAfter.join(' ')} after`);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ farmDelayMs: opts.farmDelay, farmWorkers: opts.farmWorkers, recordedAgain, loadAverage: { before: loadBefore, after: loadAfter }, simulation: rows }, null, 2)}\n`);
  }
}

/** --rolling: switchover and rolling restart under a writing client (bench/rolling.ts); no comparison. */
async function rollingOnly(opts: { rolling?: string; reps: number; json?: boolean; repsGiven: boolean }) {
  const sizes = (opts.rolling ?? '').split(',').map(Number);
  const bad = (what: string) => { console.error(`bench: ${what}`); process.exit(2); };
  if (sizes.some((n) => !Number.isInteger(n) || n < 3 || n > 15 || n % 2 === 0)) bad('--rolling must list odd whole numbers from 3 to 15, e.g. 3,5');
  const reps = opts.repsGiven ? opts.reps : 1;
  if (!Number.isInteger(reps) || reps < 1 || reps > 20) bad('--reps must be a whole number from 1 to 20');
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  const before = loadAverage();
  const rows = await rollingBench(sizes, reps);
  const after = loadAverage();
  console.error(`load average (1, 5, 15 min): ${before.join(' ')} before, ${after.join(' ')} after`);
  if (opts.json) process.stdout.write(`${JSON.stringify({ reps, loadAverage: { before, after }, rolling: rows }, null, 2)}\n`);
}

const cpuText = (s: Stats | null) => (s === null ? 'not measured' : fmt(s));
/** SSH alone costs a node tens of ms at least (a connection's key exchange): a smaller reading is no measure. */
const SSH_ALONE_MIN_MS = 5;
const ratio = (r: number | null) => (r === null ? 'n/a' : `${r.toFixed(2)}x`);
const fmt = (s: Stats) => `${(s.median / 1000).toFixed(2)} s (min ${(s.min / 1000).toFixed(2)}, max ${(s.max / 1000).toFixed(2)})`;

async function main() {
  const program = new Command('bench')
    .option('--nodes <n>', 'nodes for the comparison', (v) => Number(v), 3)
    .option('--reps <k>', 'repetitions (medians over them)', (v) => Number(v), 5)
    .option('--scaling <list>', 'node counts for the scaling run, e.g. 3,9,15 (empty: skip)', '3,9,15')
    .option('--no-ansible', 'leave Ansible out')
    .option('--rtt <ms>', 'round trip time added between the controller and every node (a delaying proxy on 127.0.0.1)', (v) => Number(v))
    .option('--json', 'print one JSON object on stdout')
    .option('--simulated-nodes <list>', 'only the controller against a simulated farm of these sizes, e.g. 3,50,200,500 (bench/farm)')
    .option('--farm-forks <n>', 'the limited --forks of the simulation (it runs with the default, all, and this)', (v) => Number(v), 20)
    .option('--farm-delay <ms>', 'the farm\'s delay per remote command (a parallel batch: once)', (v) => Number(v), 5)
    .option('--farm-workers <n>', 'processes the farm runs in', (v) => Number(v), 3)
    .option('--rolling <list>', 'only a switchover and a rolling restart under a writing client, on rigs of these sizes, e.g. 3,5 (--reps: default 1)')
    .parse();
  const opts = program.opts<{ nodes: number; reps: number; scaling: string; ansible: boolean; rtt?: number; json?: boolean;
    simulatedNodes?: string; farmForks: number; farmDelay: number; farmWorkers: number; rolling?: string }>();
  if (opts.simulatedNodes !== undefined) return simulationOnly(opts);
  if (opts.rolling !== undefined) return rollingOnly({ ...opts, repsGiven: program.getOptionValueSource('reps') === 'cli' });
  if (opts.rtt !== undefined && !(Number.isFinite(opts.rtt) && opts.rtt >= 0 && opts.rtt <= 10_000)) {
    console.error('bench: --rtt must be a number of milliseconds from 0 to 10000');
    process.exit(2);
  }
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  ensureTools(opts.ansible);
  const start = startup();
  console.error(`start-up: hsts-cluster --version ${start.versionMs.toFixed(0)} ms, node -e 0 ${start.nodeMs.toFixed(0)} ms (medians of 7)`);
  const { results, floor, ansibleDifferences, nodeCpuNote } = await compare(opts.nodes, opts.reps, opts.ansible, opts.rtt);
  const times = (key: string) => stats(results[key]!.map((m) => m.ms));
  const perNode = (key: string) => results[key]!.length
    ? { sshConnections: results[key]![0]!.connectionsPerNode, remoteCommandSessions: results[key]![0]!.sessionsPerNode } : null;
  // Per node, over the reps; null where this host shows no container CPU counter (nodeCpuNote says why).
  const nodeCpu = (key: string) => (results[key]!.every((m) => m.nodeCpuMs !== null) && results[key]!.length > 0
    ? stats(results[key]!.map((m) => m.nodeCpuMs!)) : null);
  const hstsCold = times('hstsCold');
  const hstsNoop = times('hstsNoop');
  const floorStats = stats(floor.map((f) => f.floorCold.ms));
  const floorNoop = stats(floor.map((f) => f.floorNoop.ms));
  const floorConnect = stats(floor.map((f) => f.floorNoop.connectMs));
  const sshOnly = (key: 'coldUp' | 'noop') => (floor.length > 0 && floor.every((f) => f.sshOnlyNodeCpuMs[key] !== null)
    ? stats(floor.map((f) => f.sshOnlyNodeCpuMs[key]!)) : null);
  const sshOnlyNodeCpu = { coldUp: sshOnly('coldUp'), noop: sshOnly('noop') };
  const hstsNodeCpu = { coldUp: nodeCpu('hstsCold'), noop: nodeCpu('hstsNoop') };
  // Median of the per-rep ratios: each run and its SSH alone saw the same load. A reading of SSH alone
  // below SSH_ALONE_MIN_MS is the background's estimate overshooting, not a measure: no ratio then.
  const overSshOnly = (key: 'coldUp' | 'noop', runs: Measure[]) => (sshOnlyNodeCpu[key] && hstsNodeCpu[key] &&
    floor.every((f) => f.sshOnlyNodeCpuMs[key]! >= SSH_ALONE_MIN_MS)
    ? stats(runs.map((m, i) => m.nodeCpuMs! / floor[i]!.sshOnlyNodeCpuMs[key]!)).median : null);
  const sizes = opts.scaling ? opts.scaling.split(',').map(Number).filter((n) => n > 0) : [];
  const scale = sizes.length ? await scaling(sizes, Math.min(opts.reps, 3)) : [];
  const trips = (key: string) => stats(results[key]!.map((m) => m.criticalPathRoundTrips ?? Number.NaN));
  const coldOverhead = overhead(results.hstsCold!, floor.map((f) => f.floorCold.ms));
  const noopOverhead = overhead(results.hstsNoop!, floor.map((f) => f.floorNoop.ms));
  const notes = [floorNote('cold up', coldOverhead), floorNote('no-op', noopOverhead), nodeCpuNote].filter((n) => n !== null);
  const report = {
    nodes: opts.nodes,
    reps: opts.reps,
    rttMs: opts.rtt ?? null,
    startup: start,
    hstsCluster: { coldUpMs: hstsCold, noopRerunMs: hstsNoop,
      criticalPathRoundTrips: { coldUp: trips('hstsCold'), noop: trips('hstsNoop') },
      ownRemotePathMs: { coldUp: stats(results.hstsCold!.map((m) => m.ownRemotePathMs ?? Number.NaN)), noop: stats(results.hstsNoop!.map((m) => m.ownRemotePathMs ?? Number.NaN)) },
      controllerCpuMs: { coldUp: stats(results.hstsCold!.map((m) => m.cpuMs)), noop: stats(results.hstsNoop!.map((m) => m.cpuMs)) },
      nodeCpuMs: hstsNodeCpu, peakRssMb: Math.max(...results.hstsCold!.map((m) => m.peakRssKb)) / 1024, perNode: perNode('hstsCold'), perNodeNoop: perNode('hstsNoop') },
    ansible: opts.ansible ? {
      coldMs: times('ansibleCold'), rerunMs: times('ansibleRerun'),
      nodeCpuMs: { cold: nodeCpu('ansibleCold'), rerun: nodeCpu('ansibleRerun') },
      peakRssMb: Math.max(...results.ansibleCold!.map((m) => m.peakRssKb)) / 1024, perNode: perNode('ansibleCold'), perNodeRerun: perNode('ansibleRerun'),
      sameEndStateAsHstsCluster: ansibleDifferences.length === 0, endStateDifferences: ansibleDifferences,
    } : null,
    floorMs: floorStats,
    floorNoopMs: floorNoop,
    floorConnectMs: floorConnect,
    floorCpuMs: { coldUp: stats(floor.map((f) => f.floorCold.cpuMs)), noop: stats(floor.map((f) => f.floorNoop.cpuMs)) },
    sshOnlyNodeCpuMs: sshOnlyNodeCpu,
    ratios: {
      hstsColdOverOwnPath: coldOverhead.overOwnPath,
      hstsNoopOverOwnPath: noopOverhead.overOwnPath,
      floorSlower: { coldUp: coldOverhead.floorSlower, noop: noopOverhead.floorSlower },
      ansibleOverHstsCold: opts.ansible ? times('ansibleCold').median / hstsCold.median : null,
      ansibleOverHstsRerun: opts.ansible ? times('ansibleRerun').median / hstsNoop.median : null,
      hstsColdOverFloor: hstsCold.median / floorStats.median,
      hstsNoopOverFloorNoop: hstsNoop.median / floorNoop.median,
      hstsNoopOverConnectPlusFloorNoop: hstsNoop.median / (floorConnect.median + floorNoop.median),
      nodeCpuOverSshOnly: { coldUp: overSshOnly('coldUp', results.hstsCold!), noop: overSshOnly('noop', results.hstsNoop!) },
    },
    scaling: scale.map((s) => ({ nodes: s.nodes, bootS: s.bootS, coldUpMs: s.cold, noopRerunMs: s.noop, floorMs: s.floor, peakRssMb: s.peakRssMb,
      coldOverSmallest: s.cold.median / scale[0]!.cold.median, floorOverSmallest: s.floor.median / scale[0]!.floor.median,
      coldOverFloor: s.cold.median / s.floor.median })),
    notes,
  };
  const lines = [
    '',
    `hsts-cluster vs Ansible vs floor on ${opts.nodes} nodes, ${opts.reps} reps (median, min, max), ` +
      (opts.rtt === undefined ? 'no proxy' : `${opts.rtt} ms round trip added by the proxy`),
    `  hsts-cluster cold up     ${fmt(hstsCold)}`,
    `  hsts-cluster no-op       ${fmt(hstsNoop)}`,
    ...(report.ansible ? [
      `  Ansible cold             ${fmt(report.ansible.coldMs)}`,
      `  Ansible re-run           ${fmt(report.ansible.rerunMs)}`,
      `  Ansible end state        ${ansibleDifferences.length === 0 ? 'the same as hsts-cluster\'s (plan: nothing to change)' : `DIFFERS in ${ansibleDifferences.length} change(s): the comparison is not like for like`}`,
    ] : []),
    `  floor cold               ${fmt(floorStats)}`,
    `  floor no-op              ${fmt(floorNoop)}`,
    `  floor's connect          ${fmt(floorConnect)} (every node at once, not in the floor)`,
    ...(report.ansible ? [
      `  Ansible / hsts-cluster   cold ${report.ratios.ansibleOverHstsCold!.toFixed(1)}x, re-run ${report.ratios.ansibleOverHstsRerun!.toFixed(1)}x`,
    ] : []),
    `  own answers' path        ${fmt(report.hstsCluster.ownRemotePathMs.coldUp)} cold up, ${fmt(report.hstsCluster.ownRemotePathMs.noop)} no-op ` +
      '(each run\'s longest chain of its own batches\' answer times: the run less its own work)',
    `  overhead                 hsts-cluster / its own answers' path ${ratio(report.ratios.hstsColdOverOwnPath)} (cold up), ` +
      `${ratio(report.ratios.hstsNoopOverOwnPath)} (no-op): the primary figure, measured within each run`,
    `  hsts-cluster / floor     ${report.ratios.hstsColdOverFloor.toFixed(2)}x (cold up), ${report.ratios.hstsNoopOverFloorNoop.toFixed(2)}x (no-op), ` +
      `${report.ratios.hstsNoopOverConnectPlusFloorNoop.toFixed(2)}x (no-op over connect + floor no-op)`,
    ...notes.map((n) => `  note                     ${n}`),
    `  critical path            ${report.hstsCluster.criticalPathRoundTrips.coldUp.median} sequential round trips (cold up), ` +
      `${report.hstsCluster.criticalPathRoundTrips.noop.median} (no-op), from the journals`,
    `  start-up                 hsts-cluster --version ${start.versionMs.toFixed(0)} ms, node -e 0 ${start.nodeMs.toFixed(0)} ms ` +
      `(${(start.versionMs / start.nodeMs).toFixed(2)}x)`,
    `  controller CPU           hsts-cluster ${fmt(report.hstsCluster.controllerCpuMs.coldUp)} cold, ${fmt(report.hstsCluster.controllerCpuMs.noop)} no-op ` +
      `(the whole process); the floor's replay ${fmt(report.floorCpuMs.coldUp)} cold, ${fmt(report.floorCpuMs.noop)} no-op`,
    `  CPU per node             hsts-cluster ${cpuText(report.hstsCluster.nodeCpuMs.coldUp)} cold up, ${cpuText(report.hstsCluster.nodeCpuMs.noop)} no-op` +
      (report.ansible ? `; Ansible ${cpuText(report.ansible.nodeCpuMs.cold)} cold, ${cpuText(report.ansible.nodeCpuMs.rerun)} re-run` : '') +
      ' (each node\'s container CPU during the run, less its background)',
    `  SSH alone per node       ${cpuText(report.sshOnlyNodeCpuMs.coldUp)} cold up's, ${cpuText(report.sshOnlyNodeCpuMs.noop)} no-op's ` +
      '(the same connections and sessions running `true`: what reaching the node costs it)' +
      `; CPU per node over it ${ratio(report.ratios.nodeCpuOverSshOnly.coldUp)} cold up, ${ratio(report.ratios.nodeCpuOverSshOnly.noop)} no-op`,
    `  controller peak RSS      hsts-cluster ${report.hstsCluster.peakRssMb.toFixed(0)} MB` +
      (report.ansible ? `, Ansible ${report.ansible.peakRssMb.toFixed(0)} MB` : ''),
    `  per node (cold)          hsts-cluster ${JSON.stringify(report.hstsCluster.perNode)}` +
      (report.ansible ? `, Ansible ${JSON.stringify(report.ansible.perNode)}` : ''),
    ...report.scaling.map((s) => `  scaling ${String(s.nodes).padStart(2)} nodes      cold ${fmt(s.coldUpMs)}, no-op ${fmt(s.noopRerunMs)}, ` +
      `floor ${fmt(s.floorMs)}; cold ${s.coldOverSmallest.toFixed(2)}x of ${scale[0]!.nodes} nodes (floor ${s.floorOverSmallest.toFixed(2)}x), ` +
      `cold/floor ${s.coldOverFloor.toFixed(2)}x, peak RSS ${s.peakRssMb.toFixed(0)} MB (boot ${s.bootS.toFixed(1)} s)`),
  ];
  console.error(lines.join('\n'));
  if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((e: unknown) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
