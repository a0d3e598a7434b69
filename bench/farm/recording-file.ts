/** Placeholder of the Redis password's SHA-256 (hex), which Sentinel writes into its file. */
export const PASSWORD_DIGEST = '@@hsts-cluster-secret:redis-password:sha256@@';

/** The farm's recording of a real node's answers (bench/farm/record.ts writes it). */
export interface RecordedCommand {
  /** The command's code, addresses as tokens, the password as a placeholder. */
  code: string;
  /** Absent when the command did not run (an earlier one failed in a stop-on-error batch). */
  exitCode?: number;
  ms?: number;
  output?: string;
  /** A file probe: `output` is "owner group mode\nCONTENT" and is sent back base64. */
  file?: true;
}

export interface RecordedNode { node: number; batches: RecordedCommand[][] }

export interface Recording {
  /**
   * The rig the recording was made on: its node count, primary (0-based) and cluster settings (the
   * password left out). The farm's inventory uses the same settings, so that the files it answers
   * with are the ones hsts-cluster wants; quorum is fixed at the rig's majority (2, valid for any
   * farm of 3 or more) so that Sentinel's quorum line needs no rewriting.
   */
  recordedFrom: { nodes: number; primary: number; cluster: Record<string, unknown> };
  /** Per mode, every node's batches in the order they were sent. */
  modes: Partial<Record<'cold' | 'noop', RecordedNode[]>>;
  /** What the recording was made from (bench/farm/freshness.ts); absent in recordings older than it. */
  made?: RecordingStamp;
}

/**
 * The recording's stamp: the node image its answers came from (the simulator's tag, a hash of
 * docker/), and per mode a hash of the command keys the farm answers from. A farm run compares
 * them with the current image and the commands the current build sends.
 */
export interface RecordingStamp {
  nodeImage: string;
  commands: Record<'cold' | 'noop', string>;
}

/** The recorded nodes a farm answers from: the primary, and one replica for every other node. */
export function farmRoles(recording: Recording, nodes: RecordedNode[]): { primary: RecordedNode; replica: RecordedNode } {
  const primary = nodes.find((n) => n.node === recording.recordedFrom.primary);
  const replica = nodes.find((n) => n.node !== recording.recordedFrom.primary);
  if (!primary || !replica) throw new Error('the recording needs a primary and a replica');
  return { primary, replica };
}
