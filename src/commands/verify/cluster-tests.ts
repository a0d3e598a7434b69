import { randomBytes } from 'node:crypto';
import { parsePrimaryAddr, parseReplication, parseSentinelReplicas } from '../../hsts/redis-info.js';
import type { ClusterNode, Inventory } from '../../inventory/load.js';
import { addNodeUser, deleteNodeUser, listNodeUsers, localDatabasePorts, parseNodeUserNames, VERIFY_USER_PREFIX, verifyLeftovers, type DatabasePorts } from '../../remote/asnodeadmin.js';
import { NodeApiAddresses } from '../../remote/node-api.js';
import { nodedPing, parseNodedPing } from '../../remote/noded.js';
import { asredis, asredisDetached, redisOf, sentinelOf, type RedisTarget } from '../../remote/redis-cli.js';
import { throwIfInterrupted, waitUntilInterruptible, type WaitOptions } from '../../remote/waits.js';
import { rewriteLoweredPriority } from '../../runner/switchover/remote.js';
import { promotionProblems } from '../../runner/switchover/plan.js';
import type { RemoteCommand } from '../../ssh/remote-script.js';
import type { NodeSession } from '../../ssh/session.js';
import { Secret } from '../../util/secret.js';

/**
 * The specification's tests, automated: replication (a Node API user created on one node, seen from
 * a second, deleted from a third, gone from the first), failover (the primary made unavailable, the
 * Sentinels agree on a new one) and failback (the inventory's primary made primary again).
 */
export interface TestResult {
  name: 'replication' | 'failover' | 'failback';
  ok: boolean;
  details: string[];
  durationMs: number;
  /** failover/failback: ms from making the primary unavailable until every Sentinel named the new one. */
  failoverMs?: number;
  from?: string;
  to?: string;
}

export class ClusterTester {
  private readonly nodeApi = new NodeApiAddresses((node, command) => this.sh(node as ClusterNode, command));

  constructor(
    private readonly inventory: Inventory,
    private readonly sessions: Map<string, NodeSession>,
    /** Ctrl-C: the waits end and the test fails, setting back what it changed (replica-priority, its user). */
    private readonly abort?: AbortSignal,
  ) {}

  private stopIfInterrupted(): void {
    throwIfInterrupted(this.abort);
  }

  private session(node: ClusterNode): NodeSession {
    const s = this.sessions.get(node.name);
    if (!s) throw new Error(`${node.name}: not connected`);
    return s;
  }

  private async sh(node: ClusterNode, command: RemoteCommand): Promise<{ ok: boolean; output: string }> {
    const r = await this.session(node).run([command], 'run-all');
    const result = r.results[0];
    return { ok: result?.exitCode === 0, output: result?.output ?? r.failure?.output ?? '' };
  }

  private redis(node: ClusterNode): RedisTarget {
    return redisOf(this.inventory.cluster, node);
  }

  private sentinel(node: ClusterNode): RedisTarget {
    return sentinelOf(this.inventory.cluster, node);
  }

  /** The ports of `node` asnodeadmin sends the password to, checked before it runs. */
  private database(node: ClusterNode): DatabasePorts {
    return localDatabasePorts(this.inventory.cluster, node);
  }

  /** What every node's Sentinel names as primary (IP or null), in inventory order. */
  async sentinelViews(): Promise<(string | null)[]> {
    const { cluster } = this.inventory;
    return Promise.all(this.inventory.nodes.map(async (node) => {
      const r = await this.sh(node, asredis(this.sentinel(node), ['SENTINEL', 'get-master-addr-by-name', cluster.primarySet]))
        .catch(() => ({ ok: false, output: '' }));
      return parsePrimaryAddr(r.output)?.ip ?? null;
    }));
  }

  /** The node every Sentinel names, or null when they do not all agree. */
  async agreedPrimary(): Promise<ClusterNode | null> {
    const views = await this.sentinelViews();
    const first = views[0];
    if (!first || views.some((v) => v !== first)) return null;
    return this.inventory.nodes.find((n) => n.privateIp === first) ?? null;
  }

  /** A bounded wait that ends early, and fails the test, on Ctrl-C. */
  private async until<T>(probe: () => Promise<T>, done: (v: T) => boolean, options: WaitOptions): Promise<{ value: T; ok: boolean }> {
    return waitUntilInterruptible(probe, done, { ...options, ...(this.abort ? { signal: this.abort } : {}) });
  }

  async replication(): Promise<TestResult> {
    const started = Date.now();
    const nodes = this.inventory.nodes;
    const [first, second, third] = [nodes[0]!, nodes[1 % nodes.length]!, nodes[2 % nodes.length]!];
    const user = `${VERIFY_USER_PREFIX}${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    // Mapped to the noded user: the account that already runs asperanoded and Redis, on every node,
    // so a Node API login for it gives nobody anything new. Never root (a uid 0 account is refused).
    const osUser = this.inventory.cluster.nodedUser;
    const throwAway = new Secret(randomBytes(12).toString('base64url'));
    const details: string[] = [];
    const listed = async (node: ClusterNode) => {
      const r = await this.sh(node, listNodeUsers(this.database(node)));
      return r.ok && parseNodeUserNames(r.output).includes(user);
    };
    let ok = false;
    try {
      if (osUser === 'root') throw new Error('cluster.nodedUser is root: verify maps its Node API user to the noded user and never to root');
      details.push(...await this.removeLeftovers(first));
      const add = await this.sh(first, addNodeUser(this.database(first), user, osUser, throwAway));
      if (!add.ok) throw new Error(`${first.name}: asnodeadmin -au failed: ${add.output.trim()}`);
      details.push(`${first.name}: created Node API user ${user} (mapped to ${osUser})`);
      const seen = await this.until(() => listed(second), (v) => v, { timeoutMs: 10_000 });
      if (!seen.ok) throw new Error(`${second.name}: asnodeadmin -l does not list ${user} within 10 s`);
      details.push(`${second.name}: lists ${user}`);
      const del = await this.sh(third, deleteNodeUser(this.database(third), user));
      if (!del.ok) throw new Error(`${third.name}: asnodeadmin -du failed: ${del.output.trim()}`);
      details.push(`${third.name}: deleted ${user}`);
      const gone = await this.until(() => listed(first), (v) => !v, { timeoutMs: 10_000 });
      if (!gone.ok) throw new Error(`${first.name}: still lists ${user} 10 s after it was deleted`);
      details.push(`${first.name}: no longer lists ${user}`);
      ok = true;
    } catch (e) {
      details.push(`FAILED: ${(e as Error).message}`);
    } finally {
      if (!ok) {
        await this.sh(first, deleteNodeUser(this.database(first), user, { quiet: true })).catch(() => undefined);
      }
    }
    return { name: 'replication', ok, details, durationMs: Date.now() - started };
  }

  /** Removes the Node API users earlier verifies left (their controller died before the clean-up). */
  private async removeLeftovers(node: ClusterNode): Promise<string[]> {
    const r = await this.sh(node, listNodeUsers(this.database(node)));
    if (!r.ok) throw new Error(`${node.name}: asnodeadmin -l failed: ${r.output.trim()}`);
    const done: string[] = [];
    for (const left of verifyLeftovers(parseNodeUserNames(r.output))) {
      const del = await this.sh(node, deleteNodeUser(this.database(node), left));
      if (!del.ok) throw new Error(`${node.name}: could not remove ${left}, left by an earlier verify: ${del.output.trim()}`);
      done.push(`${node.name}: removed Node API user ${left}, left by an earlier verify that did not finish`);
    }
    return done;
  }

  /**
   * Makes the current primary unavailable (DEBUG sleep where enable-debug-command allows it, else
   * SENTINEL FAILOVER), then waits until every Sentinel names one new primary, every replica follows
   * it and asperanoded answers on every node.
   */
  async failover(target?: ClusterNode): Promise<TestResult> {
    const started = Date.now();
    const { cluster } = this.inventory;
    const details: string[] = [];
    const name: TestResult['name'] = target ? 'failback' : 'failover';
    const from = await this.agreedPrimary();
    if (!from) return { name, ok: false, details: ['FAILED: the Sentinels do not agree on a primary to start from'], durationMs: 0 };
    if (target && from === target) {
      return { name, ok: true, details: [`${target.name} is the primary already`], durationMs: 0, from: from.name, to: target.name };
    }
    const prioritiesToSetBack: { node: ClusterNode; value: string }[] = [];
    let result: TestResult;
    try {
      let how: string;
      if (target) {
        // Sentinel promotes the best replica: make every other replica ineligible for this one failover.
        for (const node of this.inventory.nodes.filter((n) => n !== from && n !== target)) {
          const got = await this.sh(node, asredis(this.redis(node), ['CONFIG', 'GET', 'replica-priority']));
          const value = /^\d+$/.exec(got.output.trim().split('\n')[1] ?? '')?.[0] ?? '100';
          await this.sh(node, asredis(this.redis(node), ['CONFIG', 'SET', 'replica-priority', '0']));
          prioritiesToSetBack.push({ node, value });
        }
        // A Sentinel that has not yet seen the target as a replica (it polls replicas every 10 s) takes
        // its promotion for a stale master and turns it back into a replica, so the failover times out.
        const lowered = prioritiesToSetBack.map((p) => p.node);
        const ready = await this.until(() => this.replicaProblems(target, from, lowered), (problems) => problems.length === 0, { timeoutMs: 60_000 });
        if (!ready.ok) throw new Error(`not every Sentinel sees ${target.name} as a healthy replica of ${from.name} within 60 s: ${ready.value.join('; ')}`);
        details.push(`every Sentinel sees ${target.name} as a healthy replica of ${from.name}`);
        how = 'SENTINEL FAILOVER';
      } else {
        const debug = await this.sh(from, asredis(this.redis(from), ['CONFIG', 'GET', 'enable-debug-command']));
        how = /\n(yes|local)\b/.test(debug.output) ? 'DEBUG sleep' : 'SENTINEL FAILOVER';
      }
      this.stopIfInterrupted();
      const sleepS = Math.ceil((cluster.downAfterMs * 3 + cluster.failoverTimeoutMs) / 1000) + 2;
      const t0 = Date.now();
      if (how === 'DEBUG sleep') {
        details.push(`${from.name}: DEBUG sleep ${sleepS} (enable-debug-command allows it)`);
        await this.sh(from, asredisDetached(this.redis(from), ['DEBUG', 'sleep', String(sleepS)]));
      } else {
        const sentinelNode = this.inventory.nodes.find((n) => n !== from)!;
        details.push(`${sentinelNode.name}: SENTINEL FAILOVER ${cluster.primarySet}${how === 'SENTINEL FAILOVER' && !target ? ' (enable-debug-command is off, so DEBUG sleep is not allowed)' : ''}`);
        const r = await this.sh(sentinelNode, asredis(this.sentinel(sentinelNode), ['SENTINEL', 'FAILOVER', cluster.primarySet]));
        if (!/OK/.test(r.output)) throw new Error(`SENTINEL FAILOVER refused: ${r.output.trim()}`);
      }
      const limit = cluster.downAfterMs + cluster.failoverTimeoutMs * 3 + 30_000;
      const agreed = await this.until(() => this.agreedPrimary(), (p) => p !== null && p !== from && (!target || p === target), { timeoutMs: limit });
      if (!agreed.ok) throw new Error(`the Sentinels did not agree on a new primary within ${limit / 1000} s (${(await this.sentinelViews()).join(', ')})`);
      const failoverMs = Date.now() - t0;
      const to = agreed.value!;
      details.push(`every Sentinel names ${to.name} after ${failoverMs} ms (down-after-milliseconds ${cluster.downAfterMs})`);
      const replicasFollow = await this.until(() => this.replicasOnline(to), (n) => n === this.inventory.nodes.length - 1,
        { timeoutMs: how === 'DEBUG sleep' ? sleepS * 1000 + 30_000 : 30_000 });
      if (!replicasFollow.ok) throw new Error(`${to.name} sees ${replicasFollow.value} of ${this.inventory.nodes.length - 1} replicas online`);
      details.push(`${to.name} sees every replica online`);
      const noded = await this.until(() => this.nodedHealthy(), (bad) => bad.length === 0, { timeoutMs: 30_000 });
      if (!noded.ok) throw new Error(`asperanoded unhealthy on ${noded.value.join(', ')}`);
      details.push('asperanoded answers healthy on every node');
      result = { name, ok: true, details, durationMs: 0, failoverMs, from: from.name, to: to.name };
    } catch (e) {
      details.push(`FAILED: ${(e as Error).message}`);
      result = { name, ok: false, details, durationMs: 0, from: from.name };
    }
    // Also after a failure or Ctrl-C: a replica left at priority 0 could never be promoted.
    const left = await this.setPriorities(prioritiesToSetBack);
    if (left.length > 0) {
      result.ok = false;
      details.push(...left.map(({ node, value }) =>
        `FAILED to put back ${node.name}'s replica-priority (left at 0, never promoted): run CONFIG SET replica-priority ${value} and CONFIG REWRITE on its Redis`));
    }
    return { ...result, durationMs: Date.now() - started };
  }

  /** Sets each node's replica-priority; returns those it could not set. */
  private async setPriorities(priorities: { node: ClusterNode; value: string }[]): Promise<{ node: ClusterNode; value: string }[]> {
    const left: { node: ClusterNode; value: string }[] = [];
    for (const p of priorities) {
      const r = await this.sh(p.node, asredis(this.redis(p.node), ['CONFIG', 'SET', 'replica-priority', p.value])).catch(() => null);
      // Sentinel's CONFIG REWRITE during the failover may have written the lowered value to the file.
      const file = r?.ok && /OK/.test(r.output) ? await this.sh(p.node, rewriteLoweredPriority(this.redis(p.node))).catch(() => null) : null;
      if (!file?.ok) left.push(p);
    }
    return left;
  }

  /** What keeps the Sentinels from promoting `replica` and only it (see promotionProblems); [] when nothing does. */
  private async replicaProblems(replica: ClusterNode, primary: ClusterNode, lowered: ClusterNode[] = []): Promise<string[]> {
    const { cluster } = this.inventory;
    const problems = await Promise.all(this.inventory.nodes.map(async (node) => {
      const r = await this.sh(node, asredis(this.sentinel(node), ['SENTINEL', 'REPLICAS', cluster.primarySet]));
      return promotionProblems(parseSentinelReplicas(r.output), replica, primary.privateIp, lowered).map((p) => `${node.name}'s Sentinel: ${p}`);
    }));
    return problems.flat();
  }


  private async replicasOnline(primary: ClusterNode): Promise<number> {
    const r = await this.sh(primary, asredis(this.redis(primary), ['INFO', 'replication']));
    const info = parseReplication(r.output);
    if (info?.role !== 'master') return -1;
    return info.replicas.filter((rep) => rep.state === 'online' && this.inventory.nodes.some((n) => n.privateIp === rep.ip)).length;
  }

  private async nodedHealthy(): Promise<string[]> {
    const bad = await Promise.all(this.inventory.nodes.map(async (node) => {
      const r = await this.sh(node, nodedPing(await this.nodeApi.of(node)));
      return parseNodedPing(r.output).ok ? null : node.name;
    }));
    return bad.filter((b): b is string => b !== null);
  }
}
