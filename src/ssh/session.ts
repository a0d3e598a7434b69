import type { ClusterNode } from '../inventory/load.js';
import { redact, type Secret } from '../util/secret.js';
import { sudoAdvice } from './advice.js';
import { NodeConnection, SshError, type ConnectOptions, type ExecResult } from './connection.js';
import {
  parseBatchOutput, renderBatch, wrapForPrivilege,
  type BatchMode, type CommandResult, type RemoteCommand,
} from './remote-script.js';

export interface BatchResult {
  results: CommandResult[];
  /** The command that failed (stop-on-error), or the batch itself when it could not run. */
  failure?: CommandResult;
}

/** Told of every remote command as it starts, and again with its result when it ends. */
export type CommandListener = (node: string, command: RemoteCommand, result?: CommandResult) => void;

/**
 * One remote round trip as it is sent, for an observer that records it (the benchmark's floor).
 * stdin is `sudo password line (when sudoPassword is set) + batchStdin(inputs)`: empty for a batch
 * without inputs run as root or through sudo -n, which then costs one round trip (the exec
 * request and EOF go out together), not two; the inputs hold
 * secrets (passwords, files that contain them): an observer that keeps them must take them out.
 */
export interface BatchEvent {
  node: string;
  /** The runner's phase. */
  wave: string;
  /** The remote command line: holds no secret (inputs travel on stdin). */
  command: string;
  sudoPassword: Secret | undefined;
  inputs: Buffer[];
}
export type BatchObserver = (event: BatchEvent) => void;

const batchObservers = new Set<BatchObserver>();

/** Registers an observer of every batch any session sends; returns its removal. */
export function observeBatches(observer: BatchObserver): () => void {
  batchObservers.add(observer);
  return () => batchObservers.delete(observer);
}

const FRAMEWORK_EXIT: Record<number, string> = {
  90: 'could not make a private temporary directory on the node',
  91: 'inputs did not arrive intact',
  92: 'sudo did not pass the inputs through (is a sudo password needed? set ssh.sudoPassword)',
};

/** A node's SSH connection plus how to run batches of commands there with root rights. */
export class NodeSession {
  /** Remote round trips made (one per batch), for the benchmark's figures. */
  roundTrips = 0;
  commandsRun = 0;
  /** Marks this session's remote processes (their $0), e.g. "hsts-cluster:RUN:apply". */
  tag = 'hsts-cluster';
  /** The phase the runner is in: recorded with each command for the benchmark's replay. */
  wave = '';

  constructor(readonly node: ClusterNode, readonly connection: NodeConnection, private readonly onCommand?: CommandListener) {}

  static async open(node: ClusterNode, options: ConnectOptions, onCommand?: CommandListener): Promise<NodeSession> {
    const connection = new NodeConnection(node.name, node.ssh);
    await connection.connect(options);
    return new NodeSession(node, connection, onCommand);
  }

  async run(commands: RemoteCommand[], mode: BatchMode, timeoutMs = 60_000, inOrderFirst = 0): Promise<BatchResult> {
    if (commands.length === 0) return { results: [] };
    for (const command of commands) this.onCommand?.(this.node.name, command);
    const remoteTimeoutS = Math.ceil(timeoutMs / 1000);
    const exec = await this.send(commands, mode, remoteTimeoutS, timeoutMs, inOrderFirst);
    const results = parseBatchOutput(commands, exec.stdout);
    results.forEach((result, i) => this.onCommand?.(this.node.name, commands[i]!, result));
    const failed = results.find((r) => r.exitCode !== 0);
    if (failed) return { results, failure: { ...failed, output: redact(failed.output) } };
    if (exec.exitCode !== 0 || (mode === 'stop-on-error' && results.length < commands.length)) {
      const sudo = this.node.ssh.user !== 'root' ? sudoAdvice(exec.stderr, this.node.ssh.user) : undefined;
      const why = exec.exitCode === 124 ? `timed out after ${remoteTimeoutS} s`
        : sudo ? `${exec.stderr.trim()}: ${sudo}`
          : FRAMEWORK_EXIT[exec.exitCode] ?? (exec.stderr.trim() || `exit ${exec.exitCode}`);
      return {
        results,
        failure: { label: commands[results.length]?.label ?? 'remote batch', exitCode: exec.exitCode || 1, output: redact(why), durationMs: 0 },
      };
    }
    return { results };
  }

  /**
   * The batch rendered and sent. Its own function: the script, the command line and stdin are this
   * frame's alone, not held by run's while the node works (at hundreds of nodes, a phase's batches
   * are all waiting at once).
   */
  private send(commands: RemoteCommand[], mode: BatchMode, remoteTimeoutS: number, timeoutMs: number, inOrderFirst: number): Promise<ExecResult> {
    const batch = renderBatch(commands, mode, inOrderFirst);
    this.roundTrips++;
    this.commandsRun += commands.length;
    const { command, stdinPrefix } = wrapForPrivilege(batch.script, this.node.ssh.user, this.node.ssh.sudoPassword, this.tag);
    const line = `timeout -k 5 ${remoteTimeoutS} ${command}`;
    const stdin = stdinPrefix.length === 0 ? batch.stdin : Buffer.concat([stdinPrefix, batch.stdin]);
    for (const observe of batchObservers) {
      observe({ node: this.node.name, wave: this.wave, command: line, sudoPassword: stdinPrefix.length > 0 ? this.node.ssh.sudoPassword : undefined, inputs: batch.inputs });
    }
    return this.connection.exec(line, stdin, timeoutMs + 10_000);
  }

  close(): void {
    this.connection.close();
  }
}

export { SshError };
