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
}
