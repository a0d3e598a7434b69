/**
 * A farm run's first step: make sure the recording answers the current build (freshness.ts), and
 * when it does not, record it again from the current build on a fresh 3-node rig (record.ts: a cold
 * `up`, then a no-op), stamp it, and put it in place. Other branches change remote commands all
 * the time; their farm runs re-record instead of failing on a command nobody recorded.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { nodeImage, repoRoot } from '../../test/rig/image.js';
import { startRig, type Rig } from '../../test/rig/rig.js';
import { FARM_MODES, commandsHash, staleReasons, stampFor, type FarmMode, type Probe } from './freshness.js';
import type { Recording } from './recording-file.js';
import { simulate } from './simulate.js';
import { UnansweredCommands } from './unanswered.js';

const RECORD = resolve(repoRoot(), 'dist', 'bench', 'farm', 'record.js');
/** A recorded `up` on 3 rig nodes takes well under a minute; past this it is stuck. */
const RECORD_TIMEOUT_MS = 10 * 60_000;

const readRecording = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Recording;

/** The node image's tag without building it: a hash of docker/. */
function nodeImageTag(): string {
  return execFileSync(resolve(repoRoot(), 'docker', 'build-image.sh'), ['--tag'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** The current build's cold and no-op `up` against a 3-node farm, with what each sent. */
async function probe(cli: string, recordingPath: string): Promise<Probe[]> {
  const probes: Probe[] = [];
  for (const mode of FARM_MODES) {
    let asked: string[] | null = null;
    const result: Probe = { mode, commands: null, unanswered: [], failure: null };
    try {
      await simulate({
        sizes: [3], forks: [null], modes: [mode], cli, recordingPath, commandDelayMs: 0, workers: 1,
        onAsked: (_mode, keys) => { asked = keys; },
      });
    } catch (e) {
      if (e instanceof UnansweredCommands) result.unanswered = e.labels;
      else result.failure = (e as Error).message.slice(0, 600);
    }
    if (asked) result.commands = commandsHash(asked);
    probes.push(result);
  }
  return probes;
}

/** Runs record.ts for one mode against the rig; its output goes to stderr (stdout is --json's). */
function record(file: string, mode: FarmMode, inventory: string, journalDir: string): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [RECORD, file, mode, 'up', '-i', inventory, '--journal-dir', journalDir],
      { stdio: ['ignore', 2, 2], timeout: RECORD_TIMEOUT_MS });
    child.on('error', rej);
    child.on('close', (code, signal) => (code === 0 ? res() : rej(new Error(`recording the ${mode} up failed (${signal ?? `exit ${code}`})`))));
  });
}

/** Records the farm's answers again on a fresh 3-node rig and replaces the recording with them. */
export async function recordAgain(recordingPath: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hsts-farm-record-'));
  let rig: Rig | null = null;
  try {
    rig = await startRig({ nodes: 3, name: `farm-record-${process.pid}`, dir });
    const file = join(dir, 'recording.json');
    // Cold on the fresh nodes, then the no-op on the cluster it made: what the farm answers from.
    for (const mode of ['cold', 'noop'] as const) await record(file, mode, rig.inventoryPath, join(dir, `journal-${mode}`));
    const recording = readRecording(file);
    recording.made = stampFor(recording, nodeImage());
    const next = join(dirname(recordingPath), `.${process.pid}.recording.json`);
    writeFileSync(next, `${JSON.stringify(recording, null, 1)}\n`);
    renameSync(next, recordingPath);
  } finally {
    await rig?.down();
    // The rig's folder holds its private key and Redis password: nothing of it is needed afterwards.
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Re-records when the recording is stale, once; fails, naming the commands, when even a fresh
 * recording cannot answer the current build. A stamp that still differs after recording again
 * (the build sends a different set of commands from run to run) is only reported.
 */
export async function ensureFreshRecording(cli: string, recordingPath: string): Promise<{ recordedAgain: boolean }> {
  const reasons = staleReasons(readRecording(recordingPath).made, nodeImageTag(), await probe(cli, recordingPath));
  if (reasons.length === 0) return { recordedAgain: false };
  console.error(`bench: the farm's recording is stale (${reasons.join('; ')}): recording it again from this build on a 3-node rig`);
  await recordAgain(recordingPath);
  const probes = await probe(cli, recordingPath);
  const broken = probes.filter((p) => p.unanswered.length || p.failure);
  const after = staleReasons(readRecording(recordingPath).made, nodeImageTag(), probes);
  if (broken.length) throw new Error(`the farm cannot answer this build even from a fresh recording: ${after.join('; ')}`);
  if (after.length) console.error(`bench: warning: after recording again, ${after.join('; ')}`);
  console.error(`bench: the farm's recording was made again (${recordingPath}); commit it with the change that made it stale`);
  return { recordedAgain: true };
}
