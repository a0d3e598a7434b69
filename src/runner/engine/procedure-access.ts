import { maintenanceProbe, type MaintenanceRead } from '../../facts/mark-probe.js';
import { parsePrimaryAddr, parseReplication, parseSentinelReplicas, type ReplicationInfo } from '../../hsts/redis-info.js';
import type { ClusterNode, Inventory } from '../../inventory/load.js';
import { NodeApiAddresses } from '../../remote/node-api.js';
import { nodedPing, parseNodedPing, type NodedHealth } from '../../remote/noded.js';
import { asredis, redisOf, sentinelOf, type RedisTarget } from '../../remote/redis-cli.js';
import { waitUntilInterruptible, type WaitOptions } from '../../remote/waits.js';
import type { RemoteCommand } from '../../ssh/remote-script.js';
import { redact } from '../../util/secret.js';
import { runOne } from './run-one.js';
import type { Run } from './run.js';

export interface ProcedureAccessOptions {
  /** Ctrl-C: ends the waits of `until`. */
  abort?: AbortSignal;
  /** How much of a failed command's output `must` quotes: its last N lines on one line (default: all of it). */
  quotedLines?: number;
}

/** A reply of SENTINEL REPLICAS or SENTINEL MASTER: field to value. */
export type SentinelRecord = Record<string, string>;

/**
 * What the procedures built on the engine (switchover, maintenance, rolling runs, backup, restore)
 * ask of a node, one command at a time on its session: its Redis and Sentinel as the cluster
 * configures them, the reads they share, and `must`, whose failure names the node and the command.
 * The password reaches asredis as the batch's input (remote/redis-cli.ts), never argv, and an error
 * message passes through redact().
 */
export class ProcedureAccess {
  private readonly nodeApi = new NodeApiAddresses((node, command) => this.sh(node as ClusterNode, command));

  constructor(readonly run: Run, private readonly options: ProcedureAccessOptions = {}) {}

  get cluster(): Inventory['cluster'] {
    return this.run.inventory.cluster;
  }

  redis(node: ClusterNode): RedisTarget {
    return redisOf(this.cluster, node);
  }

  sentinel(node: ClusterNode): RedisTarget {
    return sentinelOf(this.cluster, node);
  }

  /** Did the command exit 0, and what it printed (or why it could not run). */
  sh(node: ClusterNode, command: RemoteCommand, timeoutMs?: number): Promise<{ ok: boolean; output: string }> {
    return runOne(this.run, node, command, timeoutMs);
  }

  /** The command's output, or an Error naming the node and the command, with what it printed. */
  async must(node: ClusterNode, command: RemoteCommand, timeoutMs?: number): Promise<string> {
    const r = await this.sh(node, command, timeoutMs);
    if (r.ok) return r.output;
    const lines = this.options.quotedLines;
    const quoted = lines === undefined ? r.output.trim() : r.output.trim().split('\n').slice(-lines).join(' ');
    throw new Error(redact(`${node.name}: ${command.label} failed: ${quoted}`));
  }

  askRedis(node: ClusterNode, args: readonly string[]): Promise<{ ok: boolean; output: string }> {
    return this.sh(node, asredis(this.redis(node), args));
  }

  askSentinel(node: ClusterNode, args: readonly string[]): Promise<{ ok: boolean; output: string }> {
    return this.sh(node, asredis(this.sentinel(node), args));
  }

  /** INFO replication of the node's Redis; null when it does not answer. */
  async replication(node: ClusterNode): Promise<ReplicationInfo | null> {
    return parseReplication((await this.askRedis(node, ['INFO', 'replication'])).output);
  }

  /** CONFIG GET of one parameter whose value is a number: the value (null when there is none) and the reply. */
  async configNumber(node: ClusterNode, parameter: string): Promise<{ value: string | null; output: string }> {
    const { output } = await this.askRedis(node, ['CONFIG', 'GET', parameter]);
    return { value: /^\d+$/.exec(output.trim().split('\n')[1] ?? '')?.[0] ?? null, output };
  }

  /** The primary each Sentinel names (its IP), in the order of `nodes`; null where one does not answer. */
  sentinelViews(nodes: readonly ClusterNode[] = this.run.inventory.nodes): Promise<(string | null)[]> {
    return Promise.all(nodes.map(async (n) =>
      parsePrimaryAddr((await this.askSentinel(n, ['SENTINEL', 'get-master-addr-by-name', this.cluster.primarySet])).output)?.ip ?? null));
  }

  /** The replicas the node's Sentinel records for the cluster's primary set. */
  async sentinelReplicas(node: ClusterNode): Promise<SentinelRecord[]> {
    return parseSentinelReplicas((await this.askSentinel(node, ['SENTINEL', 'REPLICAS', this.cluster.primarySet])).output);
  }

  /** The node's Sentinel's record of the primary set (flags, counts); undefined when it does not answer. */
  async sentinelMaster(node: ClusterNode): Promise<SentinelRecord | undefined> {
    return parseSentinelReplicas((await this.askSentinel(node, ['SENTINEL', 'MASTER', this.cluster.primarySet])).output)[0];
  }

  /** asperanoded's answer to /ping, at the Node API address the node's aspera.conf gives. */
  async nodedHealth(node: ClusterNode): Promise<NodedHealth> {
    return parseNodedPing((await this.sh(node, nodedPing(await this.nodeApi.of(node)))).output);
  }

  /** The node's maintenance mark (facts/mark-probe.ts); a node that cannot be asked gives `unreadable`. */
  async maintenanceMark(node: ClusterNode): Promise<MaintenanceRead> {
    const probe = maintenanceProbe();
    const r = await this.run.session(node.name).run([probe.command], 'run-all').catch(() => ({ results: [] }));
    return probe.parse(r.results[0]);
  }

  /** A pre-flight refusal: the run's error and its event; nothing was changed. */
  refuse(reason: string): void {
    this.run.errors.push(`pre-flight: ${reason}; nothing was changed`);
    this.run.emit({ event: 'preflight-failed', problems: [reason] });
  }

  /** A read-only bounded wait that Ctrl-C ends (the procedure then puts back what it changed). */
  until<T>(probe: () => Promise<T>, done: (v: T) => boolean, options: WaitOptions): Promise<{ value: T; ok: boolean }> {
    return waitUntilInterruptible(probe, done, { ...options, signal: this.options.abort });
  }
}
