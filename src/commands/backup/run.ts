/**
 * What `backup` and `restore` share: a Run over every node, the run lock, the primary as the
 * Sentinels name it, and one command at a time on a node (engine/procedure-access.ts).
 */
import type { ClusterNode, Inventory } from '../../inventory/load.js';
import { ProcedureAccess } from '../../runner/engine/procedure-access.js';
import { runProcedure, type ProcedureOptions } from '../../runner/engine/procedure-run.js';
import { Run } from '../../runner/engine/run.js';
import type { RunResult } from '../../runner/result.js';

/**
 * A backup or restore run: connect to every node, take the lock on each (not for a plan), `work`,
 * then the result with `report` (which `work` fills in); the run is closed whatever happens.
 */
export async function runOnCluster<R extends object>(
  command: 'backup' | 'restore', inventory: Inventory, options: ProcedureOptions, report: R,
  work: (access: ClusterAccess) => Promise<void>,
): Promise<RunResult & R> {
  return runProcedure(command, inventory, options, (run) => {
    const access = new ClusterAccess(run, options);
    return { report, execute: () => work(access) };
  });
}

export class ClusterAccess extends ProcedureAccess {
  constructor(run: Run, private readonly backupOptions: ProcedureOptions) {
    // A failed command is quoted by its last lines: BGSAVE's and MIGRATE's scripts print more than the cause.
    super(run, { abort: backupOptions.abort, quotedLines: 3 });
  }

  /** The node a majority of the Sentinels name; null (and the run's error) when they do not agree. */
  async primary(): Promise<ClusterNode | null> {
    const nodes = this.run.inventory.nodes;
    const views = await this.sentinelViews(nodes);
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

  fail(node: ClusterNode, message: string): void {
    this.run.nodeFailed(node.name, message);
    this.run.errors.push(`${node.name}: ${message}`);
  }

  journal(what: string, fields: Record<string, unknown>): void {
    this.run.journal.write({ event: this.run.command, result: what, ...fields });
  }

  get aborted(): boolean {
    return this.backupOptions.abort.aborted;
  }
}
