/**
 * Whether the farm's recording still answers the current build (pure: facts in, verdict out).
 *
 * The recording is stamped with what it was made from: the node image (a hash of docker/, the
 * simulated IBM programs whose answers it holds) and, per mode, a hash of the command keys it
 * answers (tokens.ts commandKey: addresses, run ids and node lists blanked). The current build's
 * keys are what a small farm run sends (the probe). Any change to a remote command changes its key,
 * hence the hash; a change that leaves every command's text as it was (the controller's own logic,
 * a label, the README) changes nothing, and the recording stays.
 */
import { createHash } from 'node:crypto';
import { answerTable } from './answer.js';
import { farmRoles, type Recording, type RecordingStamp } from './recording-file.js';

export type FarmMode = 'noop' | 'cold';
export const FARM_MODES: readonly FarmMode[] = ['noop', 'cold'];

/** A set of command keys as a short hash: order and repeats do not count. */
export function commandsHash(keys: Iterable<string>): string {
  const hash = createHash('sha256');
  // Each key with its length first: no two different sets give the same bytes.
  for (const key of [...new Set(keys)].sort()) hash.update(`${Buffer.byteLength(key)}:${key}`);
  return hash.digest('hex').slice(0, 16);
}

/** The keys a farm answers `mode` from: those of the recorded primary and of the replica it copies. */
export function recordedKeys(recording: Recording, mode: FarmMode): string[] {
  const nodes = recording.modes[mode];
  if (!nodes) return [];
  const { primary, replica } = farmRoles(recording, nodes);
  return [...answerTable(primary).keys(), ...answerTable(replica).keys()];
}

export function stampFor(recording: Recording, nodeImage: string): RecordingStamp {
  return { nodeImage, commands: { cold: commandsHash(recordedKeys(recording, 'cold')), noop: commandsHash(recordedKeys(recording, 'noop')) } };
}

/** One probe run of the current build against the farm. */
export interface Probe {
  mode: FarmMode;
  /** Hash of the keys it sent (commandsHash), or null when the run could not be made. */
  commands: string | null;
  /** Labels of the commands the recording had no answer for. */
  unanswered: string[];
  /** Why the run failed otherwise, or null. */
  failure: string | null;
}

/** Why the recording is stale for this build on this node image; none: it is fresh. */
export function staleReasons(made: RecordingStamp | undefined, nodeImage: string, probes: Probe[]): string[] {
  if (!made) return ['the recording carries no stamp (made before stamps)'];
  const reasons: string[] = [];
  if (made.nodeImage !== nodeImage) reasons.push(`it was made on node image ${made.nodeImage}, the rig's is now ${nodeImage}`);
  for (const p of probes) {
    if (p.unanswered.length) reasons.push(`the ${p.mode} up sent ${p.unanswered.length} command(s) it has no answer for: ${p.unanswered.map((l) => `"${l}"`).join(', ')}`);
    else if (p.failure) reasons.push(`the ${p.mode} up failed on it: ${p.failure}`);
    else if (p.commands !== made.commands[p.mode]) reasons.push(`the ${p.mode} up's commands (${p.commands}) are not those recorded (${made.commands[p.mode]})`);
  }
  return reasons;
}
