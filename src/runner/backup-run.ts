/**
 * What `backup` and `restore` share: a Run over every node, the run lock, the primary as the
 * Sentinels name it, and one command at a time on a node.
 */
import { parsePrimaryAddr } from '../hsts/redis-info.js';
import type { ClusterNode, Inventory } from '../inventory/load.js';
import { asredis, redisOf, sentinelOf, type RedisTarget } from '../remote/redis-cli.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import type { ConnectOptions } from './engine/connect.js';
import { lockEveryNode } from './engine/lock.js';
import { runOne } from './engine/run-one.js';
import type { Run, RunIO } from './engine/run.js';

export interface BackupRunOptions extends ConnectOptions, RunIO {
  mode: 'apply' | 'plan';
  breakLock: boolean;
  abort: AbortSignal;
}

export class ClusterAccess {
  constructor(readonly run: Run, private readonly options: BackupRunOptions) {}

  get cluster(): Inventory['cluster'] {
    return this.run.inventory.cluster;
  }

  /** The run lock on every node (engine/lock.ts). */
  lock(): Promise<boolean> {
    return lockEveryNode(this.run, this.options.breakLock);
  }

  /** The node a majority of the Sentinels name; null (and the run's error) when they do not agree. */
  async primary(): Promise<ClusterNode | null> {
    const nodes = this.run.inventory.nodes;
    const views = await Promise.all(nodes.map(async (n) =>
      parsePrimaryAddr((await this.sh(n, asredis(this.sentinel(n), ['SENTINEL', 'get-master-addr-by-name', this.cluster.primarySet]))).output)?.ip ?? null));
    const counts = new Map<string, number>();
    for (const ip of views) if (ip) counts.set(ip, (counts.get(ip) ?? 0) + 1);
    const [ip, votes] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [null, 0];
    const primary = nodes.find((n) => n.privateIp === ip);
    if (!primary || votes * 2 <= nodes.length) {
      const seen = nodes.map((n, i) => `${n.name}: ${views[i] ?? 'no answer'}`).join(', ');
      this.refuse(`no majority of the Sentinels names a primary of the inventory (${seen}); run hsts-cluster up or check hsts-cluster status`);
      return null;
    }
    this.run.primary = primary.name;
    return primary;
  }

  refuse(reason: string): void {
    this.run.errors.push(`pre-flight: ${reason}; nothing was changed`);
    this.run.emit({ event: 'preflight-failed', problems: [reason] });
  }

  fail(node: ClusterNode, message: string): void {
    Object.assign(this.run.recap(node.name), { status: 'failed', failed: 1, error: message });
    this.run.errors.push(`${node.name}: ${message}`);
  }

  journal(what: string, fields: Record<string, unknown>): void {
    this.run.journal.write({ event: this.run.command, result: what, ...fields });
  }

  sh(node: ClusterNode, command: RemoteCommand, timeoutMs = 60_000): Promise<{ ok: boolean; output: string }> {
    return runOne(this.run, node, command, timeoutMs);
  }

  /** The command's output, or an Error naming the node and the command. */
  async must(node: ClusterNode, command: RemoteCommand, timeoutMs = 60_000): Promise<string> {
    const r = await this.sh(node, command, timeoutMs);
    if (!r.ok) throw new Error(`${node.name}: ${command.label} failed: ${r.output.trim().split('\n').slice(-3).join(' ')}`);
    return r.output;
  }

  redis(node: ClusterNode): RedisTarget {
    return redisOf(this.cluster, node);
  }

  sentinel(node: ClusterNode): RedisTarget {
    return sentinelOf(this.cluster, node);
  }

  get aborted(): boolean {
    return this.options.abort.aborted;
  }
}
