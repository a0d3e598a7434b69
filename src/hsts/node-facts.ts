/** What a node has, as its probes read it (src/facts/): the input of every step's planning. */
import type { Dataset } from './cold-start.js';
import type { FirewallState, Persistence } from './firewall.js';
import type { FirewalldState } from './firewalld.js';
import type { ReplicationInfo } from './redis-info.js';

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
  /** How new the node's dataset is (running Redis, else its RDB file's head); undefined when neither says. */
  dataset?: Dataset;
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
  /** Why hsts-cluster's state directory may not be used, or null. */
  stateProblem?: string | null;
  runtime: RuntimeFacts;
}
