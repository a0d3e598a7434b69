import type { ClusterNode, Inventory } from '../inventory/load.js';
import type { FirewallState, Persistence } from '../hsts/firewall.js';
import type { FirewalldState } from '../hsts/firewalld.js';
import type { ReplicationInfo } from '../hsts/redis-info.js';
import type { Service } from '../hsts/paths.js';
import type { RemoteCommand } from '../ssh/remote-script.js';

/** A file as a node has it. `content` is null when the file is absent. */
export interface FileFact {
  path: string;
  content: Buffer | null;
  owner: string;
  group: string;
  /** Octal permission bits as stat prints them: "640". */
  mode: string;
}

export interface UnitFact {
  name: string;
  /** systemd's LoadState: "loaded", "not-found", "masked". */
  load: string;
  /** UnitFileState: "enabled", "disabled", "static", "" when there is no unit file. */
  enabled: string;
  /** ActiveState: "active", "inactive", "failed", "activating", ... */
  active: string;
  mainPid: number;
  /** The umask its processes start with, octal as systemd prints it: "0022". */
  umask: string;
}

/** What is running: asked of the node's Redis and Sentinel in a second, read-only round trip. */
export interface RuntimeFacts {
  /** The primary this node's Sentinel names, null when it runs but knows none; undefined: no answer. */
  sentinelPrimary?: { ip: string; port: number } | null;
  sentinelError?: string;
  redis?: ReplicationInfo;
  redisKeys?: number;
  redisError?: string;
}

export interface NodeFacts {
  files: Map<string, FileFact>;
  units: Map<string, UnitFact>;
  firewall: FirewallState;
  users: Map<string, boolean>;
  persistence: Persistence | null;
  /** firewalld's zone serving the private IP, its rich rules and files; null when firewalld is not active. */
  firewalld: FirewalldState | null;
  /** Why firewalld's state could not be read, when it is active but did not answer. */
  firewalldProblem: string | null;
  isRoot: boolean;
  hstsInstalled: boolean;
  /** `pgrep -a -x ascp` lines: transfers in progress. */
  transfers: string[];
  /** Listening TCP ports and the program names holding them. */
  listeners: Map<number, string[]>;
  /** Holder of the run lock on this node, if any (its holder.json). */
  lockHolder: string | null;
  runtime: RuntimeFacts;
}

/** A thing a change may touch; rollback restores each touched resource from the snapshot. */
export type ResourceRef =
  | { kind: 'file'; path: string }
  | { kind: 'unit'; name: string }
  | { kind: 'firewall' }
  /** firewalld's rich rules (runtime and permanent) and its zone files. */
  | { kind: 'firewalld' }
  | { kind: 'user'; name: string }
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

export interface Roles {
  /** The node that is (or will be) the Redis primary. */
  primary: ClusterNode;
  /** Why this node: "inventory", or what the Sentinels or Redis said. */
  reason: string;
  warnings: string[];
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
  /** add-transfer-user: create OS users that are missing (else they are a pre-flight problem). */
  createUsers?: boolean;
}

export interface FactNeeds {
  files?: string[];
  units?: string[];
  users?: string[];
  /** Read firewalld's zone serving this IP (or the zone named), when firewalld is active. */
  firewalld?: { privateIp: string; zone?: string };
}

/** What to read, every list explicit (firewalld only when asked). */
export type NeedsList = Required<Omit<FactNeeds, 'firewalld'>> & Pick<FactNeeds, 'firewalld'>;

/** One step of the procedure: what it reads, what it would change, and how. */
export interface Step {
  id: string;
  title: string;
  /** Planned after the other steps, from their changes (stop and start services). */
  derived?: boolean;
  needs(inventory: Inventory, node: ClusterNode): FactNeeds;
  /** Problems that forbid any change on any node (pre-flight); [] when fine. */
  check?(ctx: PlanContext): string[];
  /** The changes that close the gap between the facts and the desired state; [] = ok. */
  plan(ctx: PlanContext): Change[];
  /** Read-only checks after the changes (wait for readiness, verify); failing ones fail the run. */
  verify?(ctx: PlanContext): RemoteCommand[];
}
