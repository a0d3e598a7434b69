import { randomBytes } from 'node:crypto';
import { HSTS } from '../hsts/paths.js';
import { parsePrimaryAddr, parseReplication, parseSentinelReplicas } from '../hsts/redis-info.js';
import type { ClusterNode, Inventory } from '../inventory/load.js';
import type { NodeSession } from '../ssh/session.js';
import { shq } from '../ssh/shell.js';
import { asredis } from '../steps/remote-checks.js';

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

const POLL_MS = 100;

export class ClusterTester {
  constructor(
    private readonly inventory: Inventory,
    private readonly sessions: Map<string, NodeSession>,
    /** Ctrl-C: the waits end and the test fails, restoring what it changed (replica-priority, its user). */
    private readonly abort?: AbortSignal,
  ) {}

  private stopIfInterrupted(): void {
    if (this.abort?.aborted) throw new Error('interrupted (Ctrl-C)');
  }

  private session(node: ClusterNode): NodeSession {
    const s = this.sessions.get(node.name);
    if (!s) throw new Error(`${node.name}: not connected`);
    return s;
  }

  private async sh(node: ClusterNode, label: string, code: string, withPassword = false): Promise<{ ok: boolean; output: string }> {
    const r = await this.session(node).run([{ label, code, ...(withPassword ? { inputs: { pw: this.inventory.cluster.redisPassword } } : {}) }], 'run-all');
    const result = r.results[0];
    return { ok: result?.exitCode === 0, output: result?.output ?? r.failure?.output ?? '' };
  }

  /** What every node's Sentinel names as primary (IP or null), in inventory order. */
  async sentinelViews(): Promise<(string | null)[]> {
    const { cluster } = this.inventory;
    return Promise.all(this.inventory.nodes.map(async (node) => {
      const r = await this.sh(node, `asredis SENTINEL get-master-addr-by-name ${cluster.primarySet}`,
        asredis(node.privateIp, cluster.sentinelPort, `SENTINEL get-master-addr-by-name ${shq(cluster.primarySet)}`), true).catch(() => ({ ok: false, output: '' }));
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

  private async until<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number): Promise<{ value: T; ok: boolean }> {
    const deadline = Date.now() + timeoutMs;
    this.stopIfInterrupted();
    let value = await probe();
    while (!done(value) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      this.stopIfInterrupted();
      value = await probe();
    }
    return { value, ok: done(value) };
  }

  async replication(): Promise<TestResult> {
    const started = Date.now();
    const nodes = this.inventory.nodes;
    const [first, second, third] = [nodes[0]!, nodes[1 % nodes.length]!, nodes[2 % nodes.length]!];
    const user = `hsts-verify-${randomBytes(3).toString('hex')}`;
    // A throw-away Node API user: asnodeadmin takes its password in argv, so it is random and short-lived.
    const throwAway = randomBytes(12).toString('base64url');
    const details: string[] = [];
    const listed = async (node: ClusterNode) => {
      const r = await this.sh(node, 'asnodeadmin -l', `${HSTS.asnodeadmin} -l`);
      return r.ok && new RegExp(`\\b${user}\\b`).test(r.output);
    };
    let ok = false;
    try {
      const add = await this.sh(first, `asnodeadmin -au ${user} -p (random) -x root`, `${HSTS.asnodeadmin} -au ${shq(user)} -p ${shq(throwAway)} -x root`);
      if (!add.ok) throw new Error(`${first.name}: asnodeadmin -au failed: ${add.output.trim()}`);
      details.push(`${first.name}: created Node API user ${user}`);
      const seen = await this.until(() => listed(second), (v) => v, 10_000);
      if (!seen.ok) throw new Error(`${second.name}: asnodeadmin -l does not list ${user} within 10 s`);
      details.push(`${second.name}: lists ${user}`);
      const del = await this.sh(third, `asnodeadmin -du ${user}`, `${HSTS.asnodeadmin} -du ${shq(user)}`);
      if (!del.ok) throw new Error(`${third.name}: asnodeadmin -du failed: ${del.output.trim()}`);
      details.push(`${third.name}: deleted ${user}`);
      const gone = await this.until(() => listed(first), (v) => !v, 10_000);
      if (!gone.ok) throw new Error(`${first.name}: still lists ${user} 10 s after it was deleted`);
      details.push(`${first.name}: no longer lists ${user}`);
      ok = true;
    } catch (e) {
      details.push(`FAILED: ${(e as Error).message}`);
    } finally {
      if (!ok) {
        await this.sh(first, `asnodeadmin -du ${user} (clean-up)`, `${HSTS.asnodeadmin} -du ${shq(user)} >/dev/null 2>&1; true`).catch(() => undefined);
      }
    }
    return { name: 'replication', ok, details, durationMs: Date.now() - started };
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
    const restorePriorities: { node: ClusterNode; value: string }[] = [];
    try {
      let how: string;
      if (target) {
        // Sentinel promotes the best replica: make every other replica ineligible for this one failover.
        for (const node of this.inventory.nodes.filter((n) => n !== from && n !== target)) {
          const got = await this.sh(node, 'asredis CONFIG GET replica-priority', asredis(node.privateIp, cluster.redisPort, 'CONFIG GET replica-priority'), true);
          const value = /^\d+$/.exec(got.output.trim().split('\n')[1] ?? '')?.[0] ?? '100';
          await this.sh(node, 'asredis CONFIG SET replica-priority 0', asredis(node.privateIp, cluster.redisPort, 'CONFIG SET replica-priority 0'), true);
          restorePriorities.push({ node, value });
        }
        // A Sentinel that has not yet seen the target as a replica (it polls replicas every 10 s) takes
        // its promotion for a stale master and turns it back into a replica, so the failover times out.
        const ready = await this.until(() => this.replicaProblems(target, from), (problems) => problems.length === 0, 30_000);
        if (!ready.ok) throw new Error(`not every Sentinel sees ${target.name} as a healthy replica of ${from.name} within 30 s: ${ready.value.join('; ')}`);
        details.push(`every Sentinel sees ${target.name} as a healthy replica of ${from.name}`);
        how = 'SENTINEL FAILOVER';
      } else {
        const debug = await this.sh(from, 'asredis CONFIG GET enable-debug-command', asredis(from.privateIp, cluster.redisPort, 'CONFIG GET enable-debug-command'), true);
        how = /\n(yes|local)\b/.test(debug.output) ? 'DEBUG sleep' : 'SENTINEL FAILOVER';
      }
      this.stopIfInterrupted();
      const sleepS = Math.ceil((cluster.downAfterMs * 3 + cluster.failoverTimeoutMs) / 1000) + 2;
      const t0 = Date.now();
      if (how === 'DEBUG sleep') {
        details.push(`${from.name}: DEBUG sleep ${sleepS} (enable-debug-command allows it)`);
        await this.sh(from, `asredis DEBUG sleep ${sleepS} (in the background)`,
          `export REDISCLI_AUTH=$(cat "$IN/pw"); setsid ${HSTS.asredis} -h ${shq(from.privateIp)} -p ${cluster.redisPort} DEBUG sleep ${sleepS} ` +
            '>/dev/null 2>&1 < /dev/null &', true);
      } else {
        const sentinelNode = this.inventory.nodes.find((n) => n !== from)!;
        details.push(`${sentinelNode.name}: SENTINEL FAILOVER ${cluster.primarySet}${how === 'SENTINEL FAILOVER' && !target ? ' (enable-debug-command is off, so DEBUG sleep is not allowed)' : ''}`);
        const r = await this.sh(sentinelNode, `asredis SENTINEL FAILOVER ${cluster.primarySet}`,
          asredis(sentinelNode.privateIp, cluster.sentinelPort, `SENTINEL FAILOVER ${shq(cluster.primarySet)}`), true);
        if (!/OK/.test(r.output)) throw new Error(`SENTINEL FAILOVER refused: ${r.output.trim()}`);
      }
      const limit = cluster.downAfterMs + cluster.failoverTimeoutMs * 3 + 30_000;
      const agreed = await this.until(() => this.agreedPrimary(), (p) => p !== null && p !== from && (!target || p === target), limit);
      if (!agreed.ok) throw new Error(`the Sentinels did not agree on a new primary within ${limit / 1000} s (${(await this.sentinelViews()).join(', ')})`);
      const failoverMs = Date.now() - t0;
      const to = agreed.value!;
      details.push(`every Sentinel names ${to.name} after ${failoverMs} ms (down-after-milliseconds ${cluster.downAfterMs})`);
      const replicasFollow = await this.until(() => this.replicasOnline(to), (n) => n === this.inventory.nodes.length - 1,
        how === 'DEBUG sleep' ? sleepS * 1000 + 30_000 : 30_000);
      if (!replicasFollow.ok) throw new Error(`${to.name} sees ${replicasFollow.value} of ${this.inventory.nodes.length - 1} replicas online`);
      details.push(`${to.name} sees every replica online`);
      const noded = await this.until(() => this.nodedHealthy(), (bad) => bad.length === 0, 30_000);
      if (!noded.ok) throw new Error(`asperanoded unhealthy on ${noded.value.join(', ')}`);
      details.push('asperanoded answers healthy on every node');
      return { name, ok: true, details, durationMs: Date.now() - started, failoverMs, from: from.name, to: to.name };
    } catch (e) {
      details.push(`FAILED: ${(e as Error).message}`);
      return { name, ok: false, details, durationMs: Date.now() - started, from: from.name };
    } finally {
      for (const { node, value } of restorePriorities) {
        await this.sh(node, `asredis CONFIG SET replica-priority ${value}`, asredis(node.privateIp, cluster.redisPort, `CONFIG SET replica-priority ${value}`), true).catch(() => undefined);
      }
    }
  }

  /** What keeps a Sentinel from promoting `replica` cleanly, one line per Sentinel; [] when none does. */
  private async replicaProblems(replica: ClusterNode, primary: ClusterNode): Promise<string[]> {
    const { cluster } = this.inventory;
    const problems = await Promise.all(this.inventory.nodes.map(async (node) => {
      const r = await this.sh(node, `asredis SENTINEL REPLICAS ${cluster.primarySet}`,
        asredis(node.privateIp, cluster.sentinelPort, `SENTINEL REPLICAS ${shq(cluster.primarySet)}`), true);
      const seen = parseSentinelReplicas(r.output).find((rec) => rec.ip === replica.privateIp);
      if (!seen) return `${node.name}: its Sentinel does not list ${replica.name}`;
      const healthy = seen.flags === 'slave' && seen['role-reported'] === 'slave' && seen['master-link-status'] === 'ok' &&
        seen['master-host'] === primary.privateIp;
      return healthy ? null : `${node.name}: its Sentinel sees ${replica.name} as ${seen['role-reported']} (flags ${seen.flags}, link ${seen['master-link-status']})`;
    }));
    return problems.filter((p): p is string => p !== null);
  }

  private async replicasOnline(primary: ClusterNode): Promise<number> {
    const { cluster } = this.inventory;
    const r = await this.sh(primary, 'asredis INFO replication', asredis(primary.privateIp, cluster.redisPort, 'INFO replication'), true);
    const info = parseReplication(r.output);
    if (info?.role !== 'master') return -1;
    return info.replicas.filter((rep) => rep.state === 'online' && this.inventory.nodes.some((n) => n.privateIp === rep.ip)).length;
  }

  private async nodedHealthy(): Promise<string[]> {
    const bad = await Promise.all(this.inventory.nodes.map(async (node) => {
      const r = await this.sh(node, `GET http://127.0.0.1:${HSTS.nodeApiPort}/ping`,
        `(exec 3<>/dev/tcp/127.0.0.1/${HSTS.nodeApiPort} && printf 'GET /ping HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3) 2>/dev/null`);
      return / 200 /.test(r.output) ? null : node.name;
    }));
    return bad.filter((b): b is string => b !== null);
  }
}
