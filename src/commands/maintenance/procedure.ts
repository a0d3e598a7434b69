import { hostname, userInfo } from 'node:os';
import { renderMaintenanceMark, type MaintenanceMark } from '../../hsts/maintenance.js';
import { HSTS, SERVICES, type Service } from '../../hsts/paths.js';
import type { ReplicationInfo } from '../../hsts/redis-info.js';
import type { ClusterNode, Inventory } from '../../inventory/load.js';
import { removeFileCommand, writeFileCommand } from '../../remote/files.js';
import { inStateDir } from '../../remote/state-dir.js';
import { asredis, configSet, type RedisTarget } from '../../remote/redis-cli.js';
import { parseUnitShow, showUnits, systemctl } from '../../remote/systemctl.js';
import { hstsTransfers, parseTransfers } from '../../remote/transfers.js';
import { throwIfInterrupted, type WaitOptions } from '../../remote/waits.js';
import type { RemoteCommand } from '../../ssh/remote-script.js';
import { runProcedure, type ProcedureOptions } from '../../runner/engine/procedure-run.js';
import { ProcedureAccess } from '../../runner/engine/procedure-access.js';
import { Run } from '../../runner/engine/run.js';
import { decideOff, decideOn, STOPPABLE, type MaintenanceFacts } from './plan.js';
import { sentinelReplicaProblem } from '../../runner/switchover/plan.js';
import type { RunResult } from '../../runner/result.js';

export interface MaintenanceOptions extends ProcedureOptions {
  action: 'on' | 'off';
  /** The node (already checked to be a node of the inventory). */
  node: string;
  message: string;
  stopServices: boolean;
  /** 0: refuse while transfers run on the node; else wait up to this many seconds for them to end. */
  waitTransfersS: number;
}

export interface MaintenanceResult extends RunResult {
  node: string;
  action: 'on' | 'off';
  /** The node's mark: the one written (on), found (on, nothing to do) or removed (off). */
  mark?: MaintenanceMark;
  /** Nothing to do: the node was in that state already. */
  already?: boolean;
  /** What the run does (plan) or did, in order. */
  steps: string[];
}

/** The bounds of the waits: Sentinel reads a replica's INFO every 10 s; a replica links and catches up. */
const SEEN_BY_SENTINELS: WaitOptions = { timeoutMs: 60_000, intervalMs: 500 };
const BACK_IN_SERVICE: WaitOptions = { timeoutMs: 120_000, intervalMs: 500 };

/** How far a run got: what a failure or Ctrl-C puts back. */
interface Progress {
  marked: boolean;
  /** replica-priority changed at run time and in the file (to 0 by on, back by off). */
  priorityChanged: boolean;
  /** Services stopped (on) or started (off). */
  services: Service[];
}

/**
 * `hsts-cluster maintenance on|off NODE`: takes a replica out of service so that Sentinel never
 * promotes it (replica-priority 0, at run time and in its file, seen by every Sentinel), waits for
 * its transfers, optionally stops its HSTS daemons, and marks it (HSTS.maintenanceFile); `off`
 * undoes that from the mark and checks the node before removing the mark. A failure or Ctrl-C
 * puts back what the run changed.
 */
export async function runMaintenance(inventory: Inventory, options: MaintenanceOptions): Promise<MaintenanceResult> {
  return runProcedure('maintenance', inventory, options, (run) => new Maintenance(run, options), `maintenance ${options.action}`);
}

class Maintenance {
  readonly report: Omit<MaintenanceResult, keyof RunResult>;
  private readonly target: ClusterNode;
  private readonly access: ProcedureAccess;

  constructor(private readonly run: Run, private readonly options: MaintenanceOptions) {
    this.access = new ProcedureAccess(run, { abort: options.abort });
    this.target = run.inventory.nodes.find((n) => n.name === options.node)!;
    this.report = { node: options.node, action: options.action, steps: [] };
  }

  async execute(): Promise<void> {
    const facts = await this.readFacts();
    if (this.options.action === 'on') await this.on(facts);
    else await this.off(facts);
  }

  // ---- pre-flight (read-only) ----

  private async readFacts(): Promise<MaintenanceFacts & { active: Set<Service> }> {
    const nodes = this.run.inventory.nodes;
    const t = this.target;
    const [sentinelViews, marks, replication, priority, transfers, units] = await Promise.all([
      this.access.sentinelViews(),
      Promise.all(nodes.map((n) => this.access.maintenanceMark(n))),
      this.access.replication(t),
      this.access.configNumber(t, 'replica-priority').then((r) => r.value),
      this.transfers(t),
      this.access.sh(t, showUnits(SERVICES)).then((r) => parseUnitShow(r.output)),
    ]);
    const active = new Set(SERVICES.filter((s) => units.get(s)?.active === 'active'));
    return { nodes, target: t, sentinelViews, marks, replication, priority, transfers, active };
  }

  // ---- on ----

  private async on(facts: MaintenanceFacts & { active: Set<Service> }): Promise<void> {
    const decision = decideOn(facts, this.options.waitTransfersS);
    if (decision.kind === 'refuse') return this.access.refuse(decision.reason);
    const name = this.target.name;
    if (decision.kind === 'nothing-to-do') {
      Object.assign(this.report, { mark: decision.mark, already: true });
      return;
    }
    this.run.primary = decision.primary.name;
    const stop = this.options.stopServices ? STOPPABLE.filter((s) => facts.active.has(s)) : [];
    const mark: MaintenanceMark = {
      by: `${userInfo().username}@${hostname()}`, since: new Date().toISOString(), message: this.options.message,
      run: this.run.id, stopped: stop, replicaPriority: decision.priority,
    };
    this.report.mark = mark;
    this.report.steps = [
      `write ${HSTS.maintenanceFile} on ${name} (replica-priority ${decision.priority} saved for off)`,
      `${name}: CONFIG SET replica-priority 0 and CONFIG REWRITE (never promoted), then wait until every Sentinel has seen it (at most ${SEEN_BY_SENTINELS.timeoutMs / 1000} s)`,
      facts.transfers.length > 0 ? `wait until the ${facts.transfers.length} transfer(s) on ${name} end (at most ${this.options.waitTransfersS} s)` : `no transfer runs on ${name}`,
      stop.length ? `stop ${stop.join(', ')} on ${name}` : `leave ${name}'s services running${this.options.stopServices ? ' (none of asperanoded, asperarund is active)' : ''}`,
    ];
    if (this.options.mode === 'plan') return;
    const progress: Progress = { marked: false, priorityChanged: false, services: [] };
    try {
      await this.enter(mark, stop, progress);
      this.run.nodeChanged(name);
      this.run.recap(name).changes.push({ step: 'maintenance', summary: `in maintenance${stop.length ? `, stopped ${stop.join(', ')}` : ''}` });
    } catch (e) {
      this.run.errors.push((e as Error).message);
      await this.undoOn(mark, progress);
    }
  }

  private async enter(mark: MaintenanceMark, stop: Service[], progress: Progress): Promise<void> {
    const t = this.target;
    progress.marked = true;
    await this.access.must(t, writeMarkCommand(mark));
    this.journal('marked', {});
    // Remembered before asking: a SET that took effect but whose reply was lost is put back too.
    progress.priorityChanged = true;
    await this.setPriority('0', 'never promoted while in maintenance');
    await this.awaitPrioritySeen('0');
    this.journal('every Sentinel sees replica-priority 0', {});
    await this.awaitTransfers();
    for (const service of stop) {
      progress.services.push(service);
      throwIfInterrupted(this.options.abort);
      await this.access.must(t, systemctl('stop', service));
    }
  }

  /** Back as before: the services started, the priority put back, the mark removed. */
  private async undoOn(mark: MaintenanceMark, progress: Progress): Promise<void> {
    const t = this.target;
    const problems: string[] = [];
    for (const service of SERVICES.filter((s) => progress.services.includes(s))) {
      const r = await this.access.sh(t, systemctl('start', service));
      if (!r.ok) problems.push(`${service} left stopped (systemctl start ${service}: ${r.output.trim()})`);
    }
    if (progress.priorityChanged) {
      const r = await this.setPriority(mark.replicaPriority, 'put back').then(() => null, (e: Error) => e.message);
      if (r) problems.push(`replica-priority left at 0 (${r}): run CONFIG SET replica-priority ${mark.replicaPriority} and CONFIG REWRITE on its Redis`);
    }
    if (progress.marked && problems.length === 0) {
      const r = await this.access.sh(t, removeMarkCommand());
      if (!r.ok) problems.push(`${HSTS.maintenanceFile} left (${r.output.trim()}): run hsts-cluster maintenance off ${t.name}`);
    } else if (progress.marked) {
      problems.push(`its mark ${HSTS.maintenanceFile} is kept, so that \`hsts-cluster maintenance off ${t.name}\` finishes the undo`);
    }
    if (problems.length) this.left(t, problems.join('; '));
    else this.run.nodeRolledBack(t.name, 'restored: not in maintenance');
  }

  // ---- off ----

  private async off(facts: MaintenanceFacts & { active: Set<Service> }): Promise<void> {
    const decision = decideOff(facts);
    if (decision.kind === 'refuse') return this.access.refuse(decision.reason);
    const name = this.target.name;
    if (decision.kind === 'nothing-to-do') {
      this.report.already = true;
      return;
    }
    const { mark, primary } = decision;
    this.run.primary = primary.name;
    this.report.mark = mark;
    const start = SERVICES.filter((s) => mark.stopped.includes(s) && !facts.active.has(s));
    this.report.steps = [
      start.length ? `start ${start.join(', ')} on ${name}` : `no service of ${name} to start`,
      `${name}: CONFIG SET replica-priority ${mark.replicaPriority} and CONFIG REWRITE`,
      `check ${name} (at most ${BACK_IN_SERVICE.timeoutMs / 1000} s): replica of ${primary.name} with its link up and caught up, every Sentinel sees it with replica-priority ${mark.replicaPriority}, asperanoded answers`,
      `remove ${HSTS.maintenanceFile} on ${name}`,
    ];
    if (this.options.mode === 'plan') return;
    const progress: Progress = { marked: true, priorityChanged: false, services: [] };
    try {
      for (const service of start) {
        progress.services.push(service);
        await this.access.must(this.target, systemctl('start', service));
      }
      progress.priorityChanged = true;
      await this.setPriority(mark.replicaPriority, 'back in service');
      await this.checkBack(primary, mark);
      await this.access.must(this.target, removeMarkCommand());
      this.run.nodeChanged(name);
      this.run.recap(name).changes.push({ step: 'maintenance', summary: `back in service${start.length ? `, started ${start.join(', ')}` : ''}` });
    } catch (e) {
      this.run.errors.push((e as Error).message);
      await this.undoOff(mark, progress);
    }
  }

  /** Linked to the primary and caught up, seen by every Sentinel at its priority, asperanoded healthy. */
  private async checkBack(primary: ClusterNode, mark: MaintenanceMark): Promise<void> {
    const t = this.target;
    const target = (await this.access.replication(primary))?.offset ?? 0;
    const linked = await this.access.until(() => this.access.replication(t),
      (r) => r?.role === 'slave' && r.masterHost === primary.privateIp && r.linkUp === true && r.offset >= target, BACK_IN_SERVICE);
    if (!(linked.ok)) throw new Error(`${t.name} is not a linked, caught-up replica of ${primary.name} within ${BACK_IN_SERVICE.timeoutMs / 1000} s (${describeReplication(linked.value)})`);
    await this.awaitPrioritySeen(mark.replicaPriority, primary);
    const noded = await this.access.until(() => this.access.nodedHealth(t), (h) => h.ok, BACK_IN_SERVICE);
    if (!noded.ok) throw new Error(`${t.name}: asperanoded does not answer healthy within ${BACK_IN_SERVICE.timeoutMs / 1000} s (${noded.value.message})`);
  }

  /** Back in maintenance as the mark says: priority 0 again, the services it started stopped again. */
  private async undoOff(mark: MaintenanceMark, progress: Progress): Promise<void> {
    const t = this.target;
    const problems: string[] = [];
    if (progress.priorityChanged) {
      const r = await this.setPriority('0', 'in maintenance again').then(() => null, (e: Error) => e.message);
      if (r) problems.push(`replica-priority is ${mark.replicaPriority}, not 0 (${r}): Sentinel may promote it`);
    }
    for (const service of [...progress.services].reverse()) {
      const r = await this.access.sh(t, systemctl('stop', service));
      if (!r.ok) problems.push(`${service} left running (${r.output.trim()})`);
    }
    if (problems.length) this.left(t, problems.join('; '));
    else this.run.nodeRolledBack(t.name, 'restored: still in maintenance');
  }

  // ---- waits ----

  /** Sentinel learns a replica's priority from the INFO it asks every 10 s: wait until each has. */
  private async awaitPrioritySeen(priority: string, primary?: ClusterNode): Promise<void> {
    const t = this.target;
    const problems = async () => (await Promise.all(this.run.inventory.nodes.map(async (n) => {
      const records = await this.access.sentinelReplicas(n);
      const record = records.find((r) => r.ip === t.privateIp);
      const health = primary ? sentinelReplicaProblem(record, primary.privateIp) : null;
      const seen = record?.['slave-priority'] === priority ? null : `sees replica-priority ${record?.['slave-priority'] ?? '(not listed)'}`;
      return [health, seen].filter((p): p is string => p !== null).map((p) => `${n.name}'s Sentinel ${p}`);
    }))).flat();
    const seen = await this.access.until(problems, (p) => p.length === 0, SEEN_BY_SENTINELS);
    if (!seen.ok) throw new Error(`not every Sentinel sees ${t.name} with replica-priority ${priority} within ${SEEN_BY_SENTINELS.timeoutMs / 1000} s: ${seen.value.join('; ')}`);
  }

  private async awaitTransfers(): Promise<void> {
    const t = this.target;
    const bound = { timeoutMs: this.options.waitTransfersS * 1000, intervalMs: 1000 };
    const left = await this.access.until(() => this.transfers(t), (lines) => lines.length === 0, bound);
    if (!left.ok) throw new Error(`transfers still running on ${t.name} after ${this.options.waitTransfersS} s: ${left.value.join('; ')}`);
  }

  // ---- helpers ----

  private async setPriority(value: string, why: string): Promise<void> {
    const t = this.target;
    await this.access.must(t, configSet(this.access.redis(t), 'replica-priority', value, why));
    await this.access.must(t, configRewrite(this.access.redis(t)));
  }

  private left(node: ClusterNode, what: string): void {
    this.run.nodeRollbackFailed(node.name, what);
    this.run.errors.push(`${node.name}: ${what}`);
  }

  private journal(what: string, fields: Record<string, unknown>): void {
    this.run.journal.write({ event: 'maintenance', action: this.options.action, node: this.target.name, result: what, ...fields });
  }

  private async transfers(node: ClusterNode): Promise<string[]> {
    return parseTransfers((await this.access.sh(node, hstsTransfers())).output);
  }
}

function describeReplication(info: ReplicationInfo | null): string {
  if (!info) return 'its Redis does not answer';
  if (info.role === 'master') return 'it runs as a primary';
  return `replica of ${info.masterHost}, link ${info.linkUp ? 'up' : 'down'}, offset ${info.offset}`;
}

/** The mark, root-only (it names who and why; nothing secret, but nobody else's to change). */
export function writeMarkCommand(mark: MaintenanceMark): RemoteCommand {
  return inStateDir(writeFileCommand({ path: HSTS.maintenanceFile, content: renderMaintenanceMark(mark), owner: 'root', group: 'root', mode: '600' }));
}

/** The mark removed (the state directory checked first, as for every use of it). */
function removeMarkCommand(): RemoteCommand {
  return inStateDir(removeFileCommand(HSTS.maintenanceFile), 'read');
}

/** CONFIG REWRITE: the run-time replica-priority into aspera_31415.conf, so that a restart keeps it. */
function configRewrite(redis: RedisTarget): RemoteCommand {
  return { ...asredis(redis, ['CONFIG', 'REWRITE']), code: `out=$(${asredis(redis, ['CONFIG', 'REWRITE']).code}); echo "$out"; [ "$out" = OK ]` };
}
