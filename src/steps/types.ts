import type { ClusterNode, Inventory } from '../inventory/load.js';
import type { Service } from '../hsts/paths.js';
import type { NodeFacts } from '../hsts/node-facts.js';
import type { Roles } from '../hsts/roles.js';
import type { FactNeeds } from '../facts/needs.js';
import type { RemoteCommand } from '../ssh/remote-script.js';

// The facts and roles are the hsts layer's (pure) types; the steps' callers import them from here too.
export type { FileFact, NodeFacts, RuntimeFacts, UnitFact } from '../hsts/node-facts.js';
export type { Roles } from '../hsts/roles.js';
export type { FactNeeds, NeedsList } from '../facts/needs.js';

/** A thing a change may touch; rollback puts each touched resource back as the snapshot has it. */
export type ResourceRef =
  | { kind: 'file'; path: string }
  /**
   * A file the run may change but no step reads to decide (askmscli's encrypted stores): it is not
   * read into the facts; the snapshot batch copies it on the node itself, and a rollback copies it back.
   */
  | { kind: 'opaque-file'; path: string }
  | { kind: 'unit'; name: string }
  | { kind: 'firewall' }
  /** firewalld's rich rules (runtime and permanent) and its zone files. */
  | { kind: 'firewalld' }
  | { kind: 'user'; name: string }
  /** A directory's owner, group and mode (not its content); the allowed paths: hsts/directory.ts `isSnapshotDirectory`. */
  | { kind: 'directory'; path: string }
  /** Redis's dataset: the node becomes a replica and its first sync replaces what it holds. */
  | { kind: 'redis-data' };

export interface Change {
  step: string;
  /** One line for people: "set db_type, db_host in aspera.conf". */
  summary: string;
  /** Unified diff for plan, secrets masked; absent when the change is not a file. */
  diff?: string;
  commands: RemoteCommand[];
  touches: ResourceRef[];
  /** Services that must restart for the change to take effect (handlers, in Ansible's words). */
  restarts?: Service[];
}

export interface PlanContext {
  inventory: Inventory;
  node: ClusterNode;
  roles: Roles;
  facts: NodeFacts;
  /** Changes the other steps planned on this node (all of them, for derived steps). */
  planned: Change[];
  /** Stop every Sentinel while the primary's Redis restarts, so that no failover starts meanwhile. */
  holdFailover: boolean;
  /** Every node's Sentinel id: the one in its file, or a new one this run gives it. */
  sentinelIds: Map<string, string>;
  options: PlanOptions;
}

export interface PlanOptions {
  waitTimeoutMs: number;
  /**
   * add-transfer-user --create: create the OS users that are missing, with this login shell (else a
   * missing user is a pre-flight problem).
   */
  createUsers?: { shell: string };
}

/** One step of the procedure: what it reads, what it would change, and how. */
export interface Step {
  id: string;
  title: string;
  /** Planned after the other steps, from their changes (stop and start services). */
  derived?: boolean;
  /** What it reads on the node; what it plans with (`options`) may add to it (add-transfer-user --create: the shell). */
  needs(inventory: Inventory, node: ClusterNode, options: PlanOptions): FactNeeds;
  /** Problems that forbid any change on any node (pre-flight); [] when fine. */
  check?(ctx: PlanContext): string[];
  /** The changes that close the gap between the facts and the desired state; [] = ok. */
  plan(ctx: PlanContext): Change[];
  /**
   * Read-only bounded waits run after the step's changes (remote/readiness.ts); a failing one fails
   * the run. (Not the `verify` command, which runs the cluster tests.)
   */
  readinessChecks?(ctx: PlanContext): RemoteCommand[];
}
