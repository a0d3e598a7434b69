import type { SavedCopy } from './copies-probe.js';

/** What a node's probes read: the union of what a playbook's steps (or a snapshot) ask for. */
export interface FactNeeds {
  files?: string[];
  units?: string[];
  users?: string[];
  /** Read firewalld's zone serving this IP (or the zone named), when firewalld is active. */
  firewalld?: { privateIp: string; zone?: string };
  /** Directories whose owner and mode to read, and the account whose groups decide who may write them. */
  directories?: { paths: string[]; user: string };
  /** A rollback's: compare opaque files with the copies the snapshot batch made in `runDir`. */
  copies?: { runDir: string; files: SavedCopy[] };
  /** Login shells to look for: whether each path is an executable regular file (links followed). */
  shells?: string[];
}

/** What to read, every list explicit (firewalld, copies, directories and shells only when asked). */
type AskedOnly = 'firewalld' | 'copies' | 'directories' | 'shells';
export type NeedsList = Required<Omit<FactNeeds, AskedOnly>> & Pick<FactNeeds, AskedOnly>;
