import type { Inventory } from '../../inventory/load.js';
import type { RunResult } from '../result.js';
import { connect, everyNodeReached, type ClusterConnectOptions } from './connect.js';
import { closeRun, runResult } from './finish.js';
import { lockEveryNode } from './lock.js';
import { Run, type RunIO } from './run.js';

/** What every procedure is run with; a command's own options extend it. */
export interface ProcedureOptions extends ClusterConnectOptions, RunIO {
  mode: 'apply' | 'plan';
  breakLock: boolean;
  /** Ctrl-C: a wait for the lock ends at once; the procedure starts no new stage and undoes what it did. */
  abort: AbortSignal;
}

/** A procedure built beside the playbook engine: `execute` works on a connected, locked run; `report` joins the result. */
export interface Procedure<Report> {
  readonly report: Report;
  execute(): Promise<void>;
}

/**
 * The entry every such procedure shares (switchover, maintenance, restart/upgrade, rotate-password):
 * a Run, its run-start event, connect (the remote processes tagged with the command), the run lock
 * on every node unless planning, the work, the result; and, whatever happens, the locks released
 * and the sessions closed.
 */
export async function runProcedure<Report extends object>(
  command: string, inventory: Inventory, options: ProcedureOptions, make: (run: Run) => Procedure<Report>, shownCommand = command,
): Promise<RunResult & Report> {
  const run = new Run(command, inventory, options);
  run.emit({ event: 'run-start', command: shownCommand, inventory: inventory.path, mode: options.mode });
  await connect(run, options, `hsts-cluster:${run.id}:${command}`);
  const procedure = make(run);
  try {
    if (everyNodeReached(run) && (options.mode === 'plan' || (await lockEveryNode(run, options.breakLock, options.abort)))) await procedure.execute();
    return { ...runResult(run, 'apply'), ...procedure.report };
  } finally {
    await closeRun(run);
  }
}
