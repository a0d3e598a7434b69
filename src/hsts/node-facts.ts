/** What a node has, as its probes read it (src/facts/): the input of every step's planning. */
import type { Dataset } from './cold-start.js';
import type { DirectoryFact } from './directory.js';
import type { FirewallState, Persistence } from './firewall.js';
import type { FirewalldState } from './firewalld.js';
import type { PortHolder } from './port-holders.js';
import type { ReplicationInfo } from './redis-info.js';
import type { Version } from './redis-version.js';

/** A file as a node has it. `content` is null when the file is absent. */
export interface FileFact {
  path: string;
  content: Buffer | null;
  owner: string;
  group: string;
  /** Octal permission bits as stat prints them: "640". */
  mode: string;
  /** Its link count, from the opened file (undefined: not said, as by facts built in tests). */
  links?: number;
  /**
   * Why the file was not read, when something is at the path that root must not read there (a
   * symlink, not a regular file, hard links, too large): content is then null and a run refuses.
   */
  refused?: string;
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
  /** The running Redis's version (INFO server); undefined when it did not answer. */
  redisVersion?: Version;
  redisError?: string;
  /** How new the node's dataset is (running Redis, else its RDB file's head); undefined when neither says. */
  dataset?: Dataset;
}

export interface NodeFacts {
  files: Map<string, FileFact>;
  units: Map<string, UnitFact>;
  firewall: FirewallState;
  users: Map<string, boolean>;
  /** The uid of each user in `users` that exists. */
  userIds: Map<string, number>;
  /** Directories read (`needs.directories`), by path; and the groups of the account named there (the noded user). */
  directories: Map<string, DirectoryFact>;
  nodedGids: number[];
  /** Login shells asked about (`needs.shells`): true when the path is an executable regular file, links followed. */
  shells: Map<string, boolean>;
  persistence: Persistence | null;
  /** firewalld's zone serving the private IP, its rich rules and files; null when firewalld is not active. */
  firewalld: FirewalldState | null;
  /** Why firewalld's state could not be read, when it is active but did not answer. */
  firewalldProblem: string | null;
  isRoot: boolean;
  hstsInstalled: boolean;
  /** Transfers in progress (remote/transfers.ts: `PID COMMAND LINE`, HSTS's ascp only). */
  transfers: string[];
  /** Listening TCP ports and who holds them (pid, command, uid, ancestry). */
  listeners: Map<number, PortHolder[]>;
  /** Holder of the run lock on this node, if any (its holder.json). */
  lockHolder: string | null;
  /** `asredis --version` (HSTS's redis-cli); null when it did not say. */
  asredisVersion: Version | null;
  /** Components on the way to IBM's programs that another account could change: `PATH|UID|MODE|TYPE`. */
  untrustedPrograms: string[];
  /** Why hsts-cluster's state directory may not be used, or null. */
  stateProblem?: string | null;
  runtime: RuntimeFacts;
}
