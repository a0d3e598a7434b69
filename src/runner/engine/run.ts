import { randomBytes } from 'node:crypto';
import type { Inventory } from '../../inventory/load.js';
import type { NodeSession } from '../../ssh/session.js';
import type { NodeTask, NodeTaskOutcome, Progress } from '../../ui/progress.js';
import { Journal } from '../journal.js';
import { newRecap, type NodeRecap } from '../result.js';
import type { Snapshot } from '../snapshot.js';
import { journalObserver, verboseObserver, type RunEvent, type RunObserver } from './events.js';

/**
 * How a counted outcome counts the node's work: as its one step (the count set to 1), or as one
 * step more beside those the run counted already.
 */
export type StepCount = 'one' | 'one-more';

function newRunId(): string {
  return `${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(2).toString('hex')}`;
}

/** What every run needs from its caller, whichever command starts it. */
export interface RunIO {
  journalDir: string;
  progress: Progress;
  log: (line: string) => void;
  verbose?: boolean;
}

/**
 * One run's state, handed from phase to phase: its id, the nodes' sessions and recaps, the errors
 * and warnings for the result, the locks it holds and the snapshots it saved. Phases report what
 * happens through emit(); observers (the journal, the verbose log) decide what to do with it.
 */
export class Run {
  readonly id = newRunId();
  readonly started = Date.now();
  readonly journal: Journal;
  readonly recaps: Map<string, NodeRecap>;
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  sessions = new Map<string, NodeSession>();
  /** Nodes that could not be reached, with the reason. */
  unreachable = new Map<string, string>();
  /** Nodes whose run lock this run holds: finish releases them. */
  readonly locked = new Set<string>();
  /** Snapshots saved on nodes that will change (or did): a failure rolls each of them back. */
  readonly snapshots = new Map<string, Snapshot>();
  primary?: string;
  /** A membership change (grow, shrink, replace): its ordered steps, one line each. */
  membership?: string[];
  /** The run the result names, when it is not this one (rollback names the run it rolls back). */
  reportedRun?: string;
  private readonly observers: RunObserver[] = [];

  constructor(readonly command: string, readonly inventory: Inventory, readonly io: RunIO) {
    this.journal = new Journal(io.journalDir, this.id);
    this.recaps = new Map(inventory.nodes.map((n) => [n.name, newRecap(n.name)]));
    this.on(journalObserver(this.journal));
    if (io.verbose) this.on(verboseObserver(io.log));
  }

  on(observer: RunObserver): void {
    this.observers.push(observer);
  }

  emit(event: RunEvent): void {
    for (const observer of this.observers) observer(event);
  }

  /** A node's recap, to read and to add its changes to: its status, counts and error are the node* and step* methods' (below). */
  recap(name: string): NodeRecap {
    return this.recaps.get(name)!;
  }

  // ---- how a node ended: the one way a phase or a procedure records it in the node's recap ----
  //
  // Each node* method sets the status of its name. A counted outcome counts the node's work as its
  // one step (the count set to 1: a procedure of its own), or, given 'one-more', as one step more
  // beside those counted already (a playbook step, a membership change within `up`, a rolling run's
  // restart). An outcome given an error is a failure: failed 1 and the error, in place of any before.

  /** ok: one step, with nothing to do. */
  nodeOk(name: string): void {
    const r = this.recap(name);
    r.status = 'ok';
    r.ok = 1;
  }

  /** changed: one step that changed the node. */
  nodeChanged(name: string, count: StepCount = 'one'): void {
    const r = this.recap(name);
    r.status = 'changed';
    r.changed = count === 'one' ? 1 : r.changed + 1;
  }

  /** failed: one failed step and its error. Without an error, the status only (counts and error kept). */
  nodeFailed(name: string): void;
  nodeFailed(name: string, error: string, count?: StepCount): void;
  nodeFailed(name: string, error?: string, count: StepCount = 'one'): void {
    const r = this.recap(name);
    r.status = 'failed';
    if (error === undefined) return;
    r.failed = count === 'one' ? 1 : r.failed + 1;
    r.error = error;
  }

  /** unreachable: the node could not be reached, a failure. */
  nodeUnreachable(name: string, error: string): void {
    const r = this.recap(name);
    r.status = 'unreachable';
    r.failed = 1;
    r.error = error;
  }

  /** not-started: the run stopped before this node's turn (status only). */
  nodeNotStarted(name: string): void {
    this.recap(name).status = 'not-started';
  }

  /**
   * rolled-back, after a failure: with its error, a failure (failed 1), as when the procedure failed
   * on this node; without, the status only. `{ changed }` is the `rollback` command's, whose goal
   * is the rollback: one step, changed when the rollback changed the node, else ok.
   */
  nodeRolledBack(name: string, outcome?: string | { changed: boolean }): void {
    const r = this.recap(name);
    r.status = 'rolled-back';
    if (typeof outcome === 'string') {
      r.failed = 1;
      r.error = outcome;
    } else if (outcome) {
      r.changed = outcome.changed ? 1 : 0;
      r.ok = outcome.changed ? 0 : 1;
    }
  }

  /**
   * rollback-failed: a failure whose undo did not finish, the error `left: WHAT` (what is left for
   * the operator). With 'keep', what an earlier rollback-failed (or any earlier error) said is kept
   * before it: `left: EARLIER; WHAT`.
   */
  nodeRollbackFailed(name: string, left: string, earlier: 'drop' | 'keep' = 'drop'): void {
    const r = this.recap(name);
    const before = earlier === 'keep' && r.error ? `${r.error.replace(/^left: /, '')}; ` : '';
    r.status = 'rollback-failed';
    r.failed = 1;
    r.error = `left: ${before}${left}`;
  }

  // ---- a playbook run's counting (engine/plan.ts, apply.ts, rollback.ts, runner/run.ts) ----

  /** A playbook step with nothing to do on the node (the status is set when the run is done: nodeApplied). */
  stepOk(name: string): void {
    this.recap(name).ok++;
  }

  /** A playbook step that changed the node (the status is set when the run is done: nodeApplied). */
  stepChanged(name: string): void {
    this.recap(name).changed++;
  }

  /** `plan`: the node's steps with and without changes; would-change when any has one, else ok. */
  nodePlanned(name: string, steps: { changed: number; ok: number }): void {
    const r = this.recap(name);
    r.changed = steps.changed;
    r.ok = steps.ok;
    r.status = steps.changed > 0 ? 'would-change' : 'ok';
  }

  /** A playbook applied: changed when a step changed the node, else ok. */
  nodeApplied(name: string): void {
    const r = this.recap(name);
    r.status = r.changed > 0 ? 'changed' : 'ok';
  }

  /**
   * After the run's own rollback of a node (a failure or Ctrl-C): with what is `left`, rollback-failed,
   * `rollback failed, left: LEFT` on a line below any earlier error (the counts kept); else a node that
   * failed stays failed, its error saying it was rolled back as well ("restored as well", the words
   * --json has always had); else rolled-back (status only).
   */
  nodeAfterRollback(name: string, left?: string): void {
    const r = this.recap(name);
    if (left !== undefined) {
      r.status = 'rollback-failed';
      r.error = `${r.error ? `${r.error}\n  ` : ''}rollback failed, left: ${left}`;
    } else if (r.status === 'failed') {
      r.error = `${r.error}\n  (this node was restored as well)`;
    } else {
      r.status = 'rolled-back';
    }
  }

  session(name: string): NodeSession {
    return this.sessions.get(name)!;
  }

  /** Runs one task per node in parallel under a title the progress shows and batches are labelled with. */
  phase(title: string, tasks: NodeTask[]): Promise<NodeTaskOutcome[]> {
    for (const session of this.sessions.values()) session.wave = title;
    return this.io.progress.phase(title, tasks);
  }

  /** Records the nodes whose task failed; true when any did. */
  failNodes(outcomes: NodeTaskOutcome[], stage: 'pre-flight' | 'snapshot' | 'step'): boolean {
    const bad = outcomes.filter((o) => o.error);
    for (const o of bad) {
      const message = o.error!.message;
      this.nodeFailed(o.node, message, 'one-more');
      this.errors.push(`${o.node}: ${message}`);
      this.emit({ event: 'node-failed', stage, node: o.node, error: message });
    }
    if (bad.length > 0 && stage === 'pre-flight') this.errors.push('pre-flight failed; nothing was changed');
    return bad.length > 0;
  }
}
