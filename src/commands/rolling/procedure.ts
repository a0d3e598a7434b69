import { SERVICES, type Service } from '../../hsts/paths.js';
import { parseHstsVersion } from '../../hsts/version.js';
import type { ClusterNode, Inventory } from '../../inventory/load.js';
import { installedVersion } from '../../remote/asnodeadmin.js';
import { operatorCommand, restartServices } from './remote.js';
import { maintenanceProbe, parseMaintenanceAnswer, type MaintenanceMark, type MaintenanceRead } from '../../facts/mark-probe.js';
import { parseUnitShow, showUnits } from '../../remote/systemctl.js';
import { waitUntil } from '../../remote/waits.js';
import { runProcedure, type ProcedureOptions } from '../../runner/engine/procedure-run.js';
import { Run } from '../../runner/engine/run.js';
import type { RunResult } from '../../runner/result.js';
import {
  chooseTarget, findPrimary, gateProblems, planRolling, type GateFacts, type RollingKind, type RollingNodeFacts,
} from './plan.js';
import { ProcedureAccess } from '../../runner/engine/procedure-access.js';
import { Switchover } from '../../runner/switchover/procedure.js';

export interface RollingOptions extends ProcedureOptions {
  kind: RollingKind;
  /** --nodes, checked against the inventory. */
  nodes?: string[];
  services: readonly Service[];
  batch: number;
  /** upgrade --exec: the operator's command. */
  exec?: string;
  /** How long one node may take to pass its gate after its services restarted. */
  gateTimeoutMs: number;
  /** How long the operator's command may run on one node. */
  execTimeoutMs: number;
}

/** What happened to one node (in the order the run reached them). */
export interface RolledNode {
  name: string;
  role: 'replica' | 'old primary' | 'primary';
  status: 'done' | 'failed';
  versionBefore?: string | null;
  versionAfter?: string | null;
  /** MainPID of each restarted service, before and after. */
  pids: Record<string, { before: number; after: number }>;
  /** ms from the restart until the gate passed. */
  gateMs?: number;
  /** Why it failed (the gate's last problems, or the command's output). */
  problems?: string[];
}

export interface RollingResult extends RunResult {
  kind: RollingKind;
  /** The order of work: node names, and "switchover to NODE". */
  order: string[];
  notes: string[];
  rolled: RolledNode[];
  switchover?: { from: string; to: string; windowMs?: number };
  /** The node the run stopped at (gate or command failed), the rest untouched. */
  stoppedAt?: string;
  interrupted?: boolean;
}

type Report = Omit<RollingResult, keyof RunResult>;

/**
 * `hsts-cluster restart` and `upgrade --exec`: replicas one batch at a time, each gated; then a
 * planned switchover (runner/switchover/) to a replica not older than the primary; then the old primary.
 * A node that fails (its command, its restart or its gate) stops the run there; Ctrl-C lets the
 * current node finish and its gate pass, then stops, so the cluster is left healthy.
 */
export async function runRolling(inventory: Inventory, options: RollingOptions): Promise<RollingResult> {
  return runProcedure(options.kind, inventory, options, (run) => new Rolling(run, options));
}

class Rolling {
  readonly report: Report;
  private readonly cluster: Inventory['cluster'];
  private readonly nodes: ClusterNode[];
  /** The Sentinels a gate consults: those no maintenance mark says are stopped. */
  private sentinels: ClusterNode[];
  private readonly access: ProcedureAccess;

  constructor(private readonly run: Run, private readonly options: RollingOptions) {
    this.access = new ProcedureAccess(run);
    this.report = { kind: options.kind, order: [], notes: [], rolled: [] };
    this.cluster = run.inventory.cluster;
    this.nodes = run.inventory.nodes;
    this.sentinels = this.nodes;
  }

  async execute(): Promise<void> {
    const facts = await this.readFacts();
    this.sentinels = facts.filter((f) => !f.maintenance?.stopped.includes('asperaredissentinel')).map((f) => f.node);
    const views = await this.access.sentinelViews(this.sentinels);
    const found = findPrimary(facts, this.sentinels, views);
    if (found.kind === 'refuse') return this.access.refuse(found.reason);
    const primary = found.primary;
    this.run.primary = primary.name;
    const plan = planRolling(facts, primary, {
      kind: this.options.kind, nodes: this.options.nodes, services: this.options.services, batch: this.options.batch, quorum: this.cluster.quorum,
    });
    if (plan.kind === 'refuse') return this.access.refuse(plan.reason);
    this.report.notes = plan.notes;
    this.report.order = [...plan.batches.map((b) => b.map((n) => n.name).join('+')), ...(plan.switchFirst ? ['switchover'] : []), ...(plan.primaryLast ? [primary.name] : [])];
    for (const note of plan.notes) this.run.warnings.push(note);
    if (this.options.mode === 'plan') return;
    for (const batch of plan.batches) {
      if (this.stopIfInterrupted()) return;
      const done = await Promise.all(batch.map((node) => this.roll(node, primary, 'replica')));
      if (done.includes(false)) return;
    }
    if (!plan.primaryLast || this.stopIfInterrupted()) return;
    if (!plan.switchFirst) {
      await this.roll(primary, primary, 'primary');
      return;
    }
    const newPrimary = await this.switchOver(primary);
    if (!newPrimary || this.stopIfInterrupted()) return;
    await this.roll(primary, newPrimary, 'old primary');
  }

  // ---- pre-flight (read-only) ----

  private async readFacts(): Promise<RollingNodeFacts[]> {
    return Promise.all(this.nodes.map(async (node) => {
      const [mark, version, replication] = await Promise.all([
        this.access.sh(node, maintenanceProbe().command), this.version(node), this.access.replication(node),
      ]);
      return { node, maintenance: markOf(parseMaintenanceAnswer(mark.ok ? mark.output : '')), version, replication };
    }));
  }

  private stopIfInterrupted(): boolean {
    if (!this.options.abort.aborted) return false;
    const last = this.report.rolled.at(-1)?.name;
    this.report.interrupted = true;
    this.run.errors.push(`interrupted (Ctrl-C)${last ? ` after ${last}` : ' before the first node'}: every node rolled so far passed its gate; the others were not touched`);
    return true;
  }

  // ---- the switchover ----

  /** Hands the primary role to the chosen replica; the new primary, or null (the switch rolled back what it changed). */
  private async switchOver(primary: ClusterNode): Promise<ClusterNode | null> {
    const decision = chooseTarget(await this.readFacts(), primary);
    if (decision.kind === 'refuse') {
      this.run.errors.push(`switchover: ${decision.reason}; ${primary.name} stays primary and was not ${this.options.kind === 'upgrade' ? 'upgraded' : 'restarted'}`);
      this.report.stoppedAt = primary.name;
      return null;
    }
    const { target } = decision;
    this.run.journal.write({ event: this.options.kind, result: 'switchover', node: target.name });
    const switchover = new Switchover(this.run, { ...this.options, mode: 'apply', to: target.name });
    await switchover.execute();
    this.report.switchover = { from: primary.name, to: target.name, ...(switchover.report.windowMs !== undefined ? { windowMs: switchover.report.windowMs } : {}) };
    if (this.run.primary !== target.name || this.run.errors.length > 0) {
      this.report.stoppedAt = primary.name;
      this.run.errors.push(`the switchover to ${target.name} did not complete; ${primary.name} was not ${this.options.kind === 'upgrade' ? 'upgraded' : 'restarted'}`);
      return null;
    }
    return target;
  }

  // ---- one node ----

  /** Command (upgrade), restart, gate. false: the node failed and the run stops here. */
  private async roll(node: ClusterNode, primary: ClusterNode, role: RolledNode['role']): Promise<boolean> {
    const entry: RolledNode = { name: node.name, role, status: 'failed', pids: {} };
    this.report.rolled.push(entry);
    const services = this.options.kind === 'upgrade' ? SERVICES : this.options.services;
    entry.versionBefore = await this.version(node);
    const before = await this.pids(node, services);
    this.journalNode(node, 'start', { role });
    this.options.log(`${node.name} (${role}): ${this.options.exec !== undefined ? 'upgrade command, then ' : ''}restart ${services.join(', ')}, then its gate`);
    if (this.options.exec !== undefined) {
      const r = await this.access.sh(node, operatorCommand(this.options.exec), this.options.execTimeoutMs);
      if (!r.ok) return this.failNode(node, entry, [`the upgrade command failed: ${tail(r.output)}`]);
    }
    const restartedAt = Date.now();
    const restarted = await this.access.sh(node, restartServices(services), 180_000);
    if (!restarted.ok) return this.failNode(node, entry, [`systemctl restart failed: ${tail(restarted.output)}`]);
    // Where the primary was once the node came back: the node must hold at least that much.
    const primaryInfo = await this.access.replication(primary);
    const primaryOffset = primaryInfo?.role === 'master' ? primaryInfo.offset : Number.MAX_SAFE_INTEGER;
    const gate = await waitUntil(() => this.gate(node, primary, primaryOffset), (p) => p.length === 0, { timeoutMs: this.options.gateTimeoutMs, intervalMs: 500 });
    const after = await this.pids(node, services);
    entry.pids = Object.fromEntries(services.map((s) => [s, { before: before.get(s) ?? 0, after: after.get(s) ?? 0 }]));
    entry.versionAfter = await this.version(node);
    if (!gate.ok) return this.failNode(node, entry, gate.value.map((p) => `gate: ${p}`), this.options.gateTimeoutMs);
    const samePid = services.filter((s) => !after.get(s) || after.get(s) === before.get(s));
    if (samePid.length > 0) return this.failNode(node, entry, samePid.map((s) => `${s}: MainPID ${after.get(s) ?? 0} unchanged or not running after the restart`));
    entry.gateMs = Date.now() - restartedAt;
    entry.status = 'done';
    this.run.nodeChanged(node.name, 'one-more');
    const version = entry.versionBefore === entry.versionAfter ? `HSTS ${entry.versionAfter}` : `HSTS ${entry.versionBefore} -> ${entry.versionAfter}`;
    this.run.recap(node.name).changes.push({ step: this.options.kind, summary: `${role}: restarted ${services.join(', ')}; ${version}; gate passed ${entry.gateMs} ms after the restart` });
    this.options.log(`${node.name}: gate passed ${entry.gateMs} ms after the restart`);
    this.journalNode(node, 'gate passed', { gateMs: entry.gateMs, versionBefore: entry.versionBefore, versionAfter: entry.versionAfter });
    return true;
  }

  private failNode(node: ClusterNode, entry: RolledNode, problems: string[], waitedMs?: number): false {
    entry.problems = problems;
    const message = `${waitedMs ? `did not pass its gate within ${waitedMs / 1000} s: ` : ''}${problems.join('; ')}`;
    this.run.nodeFailed(node.name, message);
    this.run.errors.push(`${node.name}: ${message}; the run stopped here, the nodes after it were not touched`);
    this.run.emit({ event: 'node-failed', stage: 'step', node: node.name, error: message });
    this.report.stoppedAt = node.name;
    return false;
  }

  private journalNode(node: ClusterNode, result: string, fields: Record<string, unknown>): void {
    this.run.journal.write({ event: this.options.kind, result, node: node.name, ...fields });
  }

  /** The gate's facts, read now; gateProblems decides. */
  private async gate(node: ClusterNode, primary: ClusterNode, primaryOffset: number): Promise<string[]> {
    const [replication, views, replicas, master, noded] = await Promise.all([
      this.access.replication(node),
      this.access.sentinelViews(this.sentinels),
      Promise.all(this.sentinels.map((n) => this.access.sentinelReplicas(n))),
      this.access.sentinelMaster(node),
      this.access.nodedHealth(node),
    ]);
    const others = master?.['num-other-sentinels'];
    const facts: GateFacts = {
      node, primary, sentinels: this.sentinels, replication,
      primaryOffset,
      sentinelViews: views, sentinelReplicas: replicas,
      otherSentinels: others !== undefined && /^\d+$/.test(others) ? Number(others) : null,
      noded,
    };
    return gateProblems(facts);
  }

  // ---- reading ----

  private async version(node: ClusterNode): Promise<string | null> {
    const r = await this.access.sh(node, installedVersion());
    return r.ok ? parseHstsVersion(r.output) : null;
  }

  private async pids(node: ClusterNode, services: readonly Service[]): Promise<Map<string, number>> {
    const units = parseUnitShow((await this.access.sh(node, showUnits(services))).output);
    return new Map(services.map((s) => [s, units.get(s)?.mainPid ?? 0]));
  }
}

function tail(output: string): string {
  return output.trim().split('\n').slice(-5).join(' | ') || 'no output';
}

/**
 * A rolling run treats a mark it cannot read as a mark (the node is left alone or the upgrade
 * refused), never as "not in maintenance".
 */
function markOf(read: MaintenanceRead): MaintenanceMark | null {
  if (read.state === 'none') return null;
  if (read.state === 'on') return read.mark;
  return { by: 'unknown', since: '?', message: `unreadable mark (${read.reason})`, run: '', stopped: [], replicaPriority: '0' };
}
