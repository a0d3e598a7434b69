import type { ClusterNode, Inventory } from '../../inventory/load.js';
import { configSet } from '../../remote/redis-cli.js';
import {
  checkQuorum, followPrimary, pauseWrites, rewriteLoweredPriority, sentinelFailover, unpauseWrites,
} from './remote.js';
import { throwIfInterrupted, waitUntil } from '../../remote/waits.js';
import { runProcedure, type ProcedureOptions } from '../engine/procedure-run.js';
import { ProcedureAccess } from '../engine/procedure-access.js';
import { Run } from '../engine/run.js';
import type { RunResult } from '../result.js';
import { decideSwitchover, promotionProblems, switchoverBudget } from './plan.js';

export interface SwitchoverOptions extends ProcedureOptions {
  /** --to: the node to promote (already checked to be a node of the inventory). */
  to?: string;
}

export interface SwitchoverResult extends RunResult {
  from?: string;
  to?: string;
  /** ms from pausing the old primary's writes until every Sentinel named the new primary. */
  windowMs?: number;
  /** Replication offsets: each node's before the pause, and the one both sides held at promotion. */
  offsets?: { before: Record<string, number>; atPromotion?: number };
  /** What the switch does (plan) or did, in order. */
  steps: string[];
}

interface Roles { primary: ClusterNode; target: ClusterNode; others: ClusterNode[] }

/** How far the switch got: what a failure or Ctrl-C must undo or finish. */
interface Progress {
  lowered: { node: ClusterNode; value: string }[];
  paused: boolean;
  failoverAsked: boolean;
  demoted: boolean;
}

/**
 * `hsts-cluster switchover`: a planned primary change that loses no acknowledged write. Pre-flight
 * reads only; the switch pauses the old primary's writes, waits for the target to hold every byte
 * of its replication stream, has Sentinel promote it, and turns the old primary into its replica
 * before writes resume there. A failure or Ctrl-C puts back what it changed.
 */
export async function runSwitchover(inventory: Inventory, options: SwitchoverOptions): Promise<SwitchoverResult> {
  return runProcedure('switchover', inventory, options, (run) => new Switchover(run, options));
}

/**
 * The switch itself, for `runSwitchover` and for rolling runs that hand the primary role over
 * inside their own run (already connected and locked): `execute()`, then `run.primary` names the
 * primary and `report` what happened.
 */
export class Switchover {
  readonly report: Omit<SwitchoverResult, keyof RunResult> = { steps: [] };
  private readonly cluster: Inventory['cluster'];
  private readonly budget: ReturnType<typeof switchoverBudget>;
  private readonly access: ProcedureAccess;

  constructor(private readonly run: Run, private readonly options: SwitchoverOptions) {
    this.access = new ProcedureAccess(run, { abort: options.abort });
    this.cluster = run.inventory.cluster;
    this.budget = switchoverBudget(this.cluster);
  }

  async execute(): Promise<void> {
    const roles = await this.preflight();
    if (!roles) return;
    const { primary, target, others } = roles;
    Object.assign(this.report, { from: primary.name, to: target.name });
    this.report.steps = [
      `lower replica-priority to 0 on ${others.map((n) => n.name).join(', ') || 'no other replica'} (each put back afterwards) and wait until every Sentinel has seen it`,
      `${primary.name}: CLIENT PAUSE ${this.budget.pauseMs} WRITE`,
      `wait until ${target.name}'s replication offset equals ${primary.name}'s (at most ${this.budget.catchUpMs / 1000} s)`,
      `SENTINEL FAILOVER ${this.cluster.primarySet}, then wait until every Sentinel names ${target.name} (at most ${this.budget.agreeMs / 1000} s)`,
      `${primary.name}: REPLICAOF ${target.privateIp} ${this.cluster.redisPort}, CONFIG REWRITE, then CLIENT UNPAUSE`,
      `wait until every replica follows ${target.name}, then put the replica-priorities back`,
    ];
    if (this.options.mode === 'apply') await this.switchRoles(roles);
  }

  // ---- pre-flight (read-only) ----

  private async preflight(): Promise<Roles | null> {
    const nodes = this.run.inventory.nodes;
    const [sentinelViews, replication, inMaintenance] = await Promise.all([
      this.access.sentinelViews(), Promise.all(nodes.map((n) => this.access.replication(n))), this.nodesInMaintenance(),
    ]);
    this.report.offsets = { before: Object.fromEntries(nodes.flatMap((n, i) => (replication[i] ? [[n.name, replication[i].offset]] : []))) };
    const decision = decideSwitchover({ nodes, sentinelViews, replication, inMaintenance }, this.options.to);
    if (decision.kind === 'refuse') return this.refuse(decision.reason);
    if (decision.kind === 'nothing-to-do') {
      Object.assign(this.report, { from: decision.primary.name, to: decision.primary.name });
      this.run.primary = decision.primary.name;
      return null;
    }
    const quorum = await Promise.all(nodes.map(async (n) => ({ n, r: await this.access.sh(n, checkQuorum(this.access.sentinel(n), this.cluster.primarySet)) })));
    const noQuorum = quorum.filter(({ r }) => !/^OK\b/.test(r.output.trim()));
    if (noQuorum.length > 0) return this.refuse(`SENTINEL CKQUORUM: ${noQuorum.map(({ n, r }) => `${n.name}: ${r.output.trim()}`).join('; ')}`);
    let seen: { value: string[]; ok: boolean };
    try {
      seen = await this.access.until(() => this.sentinelProblems(decision.target, decision.primary), (p) => p.length === 0, { timeoutMs: 30_000, intervalMs: 500 });
    } catch (e) {
      return this.refuse((e as Error).message);
    }
    if (!seen.ok) return this.refuse(`not every Sentinel sees ${decision.target.name} as a healthy replica of ${decision.primary.name} within 30 s: ${seen.value.join('; ')}`);
    this.run.primary = decision.primary.name;
    return decision;
  }

  private refuse(reason: string): null {
    this.access.refuse(reason);
    return null;
  }

  /** Every Sentinel's promotionProblems, each prefixed with the Sentinel's node. */
  private async sentinelProblems(target: ClusterNode, primary: ClusterNode, lowered: ClusterNode[] = []): Promise<string[]> {
    const problems = await Promise.all(this.run.inventory.nodes.map(async (n) => {
      const records = await this.access.sentinelReplicas(n);
      return promotionProblems(records, target, primary.privateIp, lowered).map((p) => `${n.name}'s Sentinel: ${p}`);
    }));
    return problems.flat();
  }


  // ---- the switch ----

  private async switchRoles(roles: Roles): Promise<void> {
    const { primary, target, others } = roles;
    const progress: Progress = { lowered: [], paused: false, failoverAsked: false, demoted: false };
    try {
      for (const node of others) {
        const { value, output } = await this.access.configNumber(node, 'replica-priority');
        if (!value) throw new Error(`${node.name}: CONFIG GET replica-priority: ${output.trim()}`);
        // Remembered before asking: a SET that took effect but whose reply was lost is put back too.
        progress.lowered.push({ node, value });
        await this.access.must(node, configSet(this.access.redis(node), 'replica-priority', '0', 'not promoted during the switchover'));
      }
      await this.awaitPrioritiesSeen(roles);
      const pausedAt = Date.now();
      progress.paused = true;
      await this.access.must(primary, pauseWrites(this.access.redis(primary), this.budget.pauseMs));
      this.journal('writes paused', { node: primary.name });
      await this.catchUp(primary, target);
      throwIfInterrupted(this.options.abort);
      // A new pause replaces the old one: re-armed, it cannot run out before the demotion.
      await this.access.must(primary, pauseWrites(this.access.redis(primary), this.budget.pauseMs));
      progress.failoverAsked = true;
      await this.access.must(target, sentinelFailover(this.access.sentinel(target), this.cluster.primarySet));
      await this.awaitAgreement(primary, target);
      // From here the roles have changed, whatever happens next.
      this.run.primary = target.name;
      this.report.windowMs = Date.now() - pausedAt;
      this.journal('every Sentinel names the new primary', { node: target.name, windowMs: this.report.windowMs });
      await this.demote(primary, target, progress);
      await this.awaitFollowers(primary, target);
      for (const node of [primary, target]) this.run.nodeChanged(node.name);
      this.run.recap(primary.name).changes.push({ step: 'switchover', summary: `primary -> replica of ${target.name}` });
      this.run.recap(target.name).changes.push({ step: 'switchover', summary: `replica -> primary (write pause ${this.report.windowMs} ms)` });
      this.run.primary = target.name;
      this.run.emit({ event: 'roles', primary: target.name, reason: 'switchover' });
    } catch (e) {
      this.run.errors.push((e as Error).message);
      await this.finishOrUndo(roles, progress);
    }
    await this.putPrioritiesBack(progress.lowered);
  }

  /**
   * Sentinel learns a replica's priority from INFO, which it asks replicas for every 10 s: until
   * every Sentinel has seen the lowered priorities, it could still promote another replica (on a
   * tie of offsets it picks by run id). Waited for before the pause, so the window stays short.
   */
  private async awaitPrioritiesSeen({ primary, target, others }: Roles): Promise<void> {
    const seen = await this.access.until(() => this.sentinelProblems(target, primary, others), (p) => p.length === 0, { timeoutMs: 60_000, intervalMs: 500 });
    if (!seen.ok) throw new Error(`the Sentinels did not see the lowered replica-priorities within 60 s: ${seen.value.join('; ')}`);
  }


  /** Bounded: the target's offset reaches the paused primary's, which no longer grows. */
  private async catchUp(primary: ClusterNode, target: ClusterNode): Promise<void> {
    const offsets = async () => {
      const [p, t] = await Promise.all([this.access.replication(primary), this.access.replication(target)]);
      return { primary: p?.role === 'master' ? p.offset : -1, target: t?.role === 'slave' && t.linkUp ? t.offset : -2 };
    };
    const caught = await this.access.until(offsets, (o) => o.primary === o.target, { timeoutMs: this.budget.catchUpMs, intervalMs: 20 });
    if (!caught.ok) throw new Error(`${target.name} did not catch up with ${primary.name} within ${this.budget.catchUpMs / 1000} s (offsets ${caught.value.target} / ${caught.value.primary})`);
    this.report.offsets!.atPromotion = caught.value.primary;
    this.journal('target caught up', { node: target.name, offset: caught.value.primary });
  }

  /** Once SENTINEL FAILOVER was asked for, the wait goes on after Ctrl-C: stopping halfway would leave two primaries. */
  private async awaitAgreement(primary: ClusterNode, target: ClusterNode): Promise<void> {
    const moved = (v: (string | null)[]) => v[0] !== primary.privateIp && v[0] !== null && v.every((ip) => ip === v[0]);
    const agreed = await waitUntil(() => this.access.sentinelViews(), moved, { timeoutMs: this.budget.agreeMs, intervalMs: 50 });
    if (!agreed.ok || agreed.value[0] !== target.privateIp) {
      throw new Error(`the Sentinels did not all name ${target.name} within ${this.budget.agreeMs / 1000} s (${this.describeViews(agreed.value)})`);
    }
  }

  private async demote(primary: ClusterNode, target: ClusterNode, progress: Progress): Promise<void> {
    await this.access.must(primary, pauseWrites(this.access.redis(primary), this.budget.pauseMs));
    await this.access.must(primary, followPrimary(this.access.redis(primary), { ip: target.privateIp, port: this.cluster.redisPort }));
    progress.demoted = true;
    // Writes held by the pause now meet a replica and fail (READONLY): the client asks Sentinel again.
    await this.access.must(primary, unpauseWrites(this.access.redis(primary)));
    progress.paused = false;
  }

  private async awaitFollowers(primary: ClusterNode, target: ClusterNode): Promise<void> {
    const expected = this.run.inventory.nodes.length - 1;
    const online = async () => {
      const info = await this.access.replication(target);
      return info?.role === 'master' ? info.replicas.filter((r) => r.state === 'online').length : -1;
    };
    const follows = await waitUntil(online, (n) => n === expected, { timeoutMs: 60_000, intervalMs: 200 });
    if (!follows.ok) throw new Error(`${target.name} sees ${follows.value} of ${expected} replicas online within 60 s`);
    const old = await this.access.replication(primary);
    if (!(old?.role === 'slave' && old.masterHost === target.privateIp && old.linkUp)) throw new Error(`${primary.name} does not replicate from ${target.name} with its link up`);
  }

  /**
   * After a failure with writes paused (asked for, or started by Sentinel because the pause holds
   * its PING): once settled, a node that became primary is followed before writes resume; the old
   * primary is unpaused as primary only when every Sentinel names it with no failover under way;
   * otherwise it stays paused until its pause ends, and the run says so (exit 3).
   */
  private async finishOrUndo(roles: Roles, progress: Progress): Promise<void> {
    const { primary, target } = roles;
    // The pause itself holds Sentinel's hello and PING on the old primary, so Sentinel may be failing
    // it over on its own even if we never asked: settle that before any write may resume there.
    if (progress.paused && !progress.demoted) {
      const settled = await this.settle(primary);
      const views = settled.views;
      const named = settled.promoted ?? this.run.inventory.nodes.find((n) => views.every((ip) => ip === n.privateIp));
      if (!settled.calm && !settled.promoted) {
        this.left(primary, `a failover may be under way (${this.describeViews(views)}); its writes stay paused (at most ${this.budget.pauseMs / 1000} s) so that no second primary takes them; check hsts-cluster status`);
      } else if (named && named !== primary) {
        this.run.errors.push(`the failover happened: ${named.name} is the primary${named === target ? '' : ` (Sentinel promoted it, not ${target.name})`}`);
        const r = await this.access.sh(primary, followPrimary(this.access.redis(primary), { ip: named.privateIp, port: this.cluster.redisPort }));
        if (!r.ok) this.left(primary, `still paused as a second primary beside ${named.name} (REPLICAOF failed: ${r.output.trim()}); run REPLICAOF ${named.privateIp} ${this.cluster.redisPort} on it`);
        this.run.primary = named.name;
      } else if (!named) {
        this.left(primary, `the Sentinels disagree after SENTINEL FAILOVER (${this.describeViews(views)}); its writes stay paused (at most ${this.budget.pauseMs / 1000} s) so that no second primary takes them; check hsts-cluster status`);
      }
    }
    if (progress.paused && !this.run.recap(primary.name).error) {
      const r = await this.access.sh(primary, unpauseWrites(this.access.redis(primary)));
      if (!r.ok) this.left(primary, `writes still paused (CLIENT UNPAUSE failed: ${r.output.trim()}); they resume on their own within ${this.budget.pauseMs / 1000} s`);
    }
  }

  /**
   * Bounded, and not ended by Ctrl-C: waits until another node reports itself primary (a failover
   * happened, ours or Sentinel's own), or every Sentinel names the old primary with no failover in
   * progress and without holding it objectively down.
   */
  private async settle(primary: ClusterNode): Promise<{ promoted: ClusterNode | null; calm: boolean; views: (string | null)[] }> {
    const nodes = this.run.inventory.nodes;
    const look = async () => {
      const [roles, masters, views] = await Promise.all([
        Promise.all(nodes.map((n) => this.access.replication(n))),
        Promise.all(nodes.map((n) => this.access.sentinelMaster(n))),
        this.access.sentinelViews(),
      ]);
      const promoted = nodes.find((n, i) => n !== primary && roles[i]?.role === 'master') ?? null;
      const calm = views.every((ip) => ip === primary.privateIp) &&
        masters.every((m) => m !== undefined && !/failover_in_progress|o_down/.test(m.flags ?? ''));
      return { promoted, calm, views };
    };
    return (await waitUntil(look, (v) => v.promoted !== null || v.calm, { timeoutMs: this.budget.agreeMs, intervalMs: 200 })).value;
  }

  private async putPrioritiesBack(lowered: Progress['lowered']): Promise<void> {
    for (const { node, value } of lowered) {
      const set = await this.access.sh(node, configSet(this.access.redis(node), 'replica-priority', value, 'put back'));
      const file = set.ok ? await this.access.sh(node, rewriteLoweredPriority(this.access.redis(node))) : set;
      if (!file.ok) this.left(node, `replica-priority left at 0 (never promoted): run CONFIG SET replica-priority ${value} and CONFIG REWRITE on its Redis (${file.output.trim()})`);
    }
  }

  // ---- helpers ----

  private left(node: ClusterNode, what: string): void {
    this.run.nodeRollbackFailed(node.name, what, 'keep');
    this.run.errors.push(`${node.name}: ${what}`);
  }

  private journal(what: string, fields: Record<string, unknown>): void {
    this.run.journal.write({ event: 'switchover', result: what, ...fields });
  }

  /** Nodes carrying a maintenance mark: never the target (their replica-priority 0 is kept, and put back as 0). */
  private async nodesInMaintenance(): Promise<string[]> {
    const reads = await Promise.all(this.run.inventory.nodes.map((n) => this.access.maintenanceMark(n)));
    return this.run.inventory.nodes.filter((_, i) => reads[i]?.state === 'on').map((n) => n.name);
  }

  private describeViews(views: (string | null)[]): string {
    return this.run.inventory.nodes.map((n, i) => `${n.name}: ${views[i] ?? 'no answer'}`).join(', ');
  }
}
