import { randomBytes } from 'node:crypto';
import type { Inventory } from '../../inventory/load.js';
import type { NodeSession } from '../../ssh/session.js';
import type { NodeTask, NodeTaskOutcome, Progress } from '../../ui/progress.js';
import { Journal } from '../journal.js';
import { newRecap, type NodeRecap } from '../result.js';
import type { Snapshot } from '../snapshot.js';
import { journalObserver, verboseObserver, type RunEvent, type RunObserver } from './events.js';

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
  /** Snapshots saved on nodes that will change (or did): a failure restores each of them. */
  readonly snapshots = new Map<string, Snapshot>();
  primary?: string;
  /** A membership change (grow, shrink, replace): its ordered steps, one line each. */
  membership?: string[];
  /** The run the result names, when it is not this one (rollback names the run it restores). */
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

  recap(name: string): NodeRecap {
    return this.recaps.get(name)!;
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
      Object.assign(this.recap(o.node), { status: 'failed', failed: this.recap(o.node).failed + 1, error: message });
      this.errors.push(`${o.node}: ${message}`);
      this.emit({ event: 'node-failed', stage, node: o.node, error: message });
    }
    if (bad.length > 0 && stage === 'pre-flight') this.errors.push('pre-flight failed; nothing was changed');
    return bad.length > 0;
  }
}
