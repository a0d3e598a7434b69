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
}

/** What to read, every list explicit (firewalld and copies only when asked). */
export type NeedsList = Required<Omit<FactNeeds, 'firewalld' | 'copies' | 'directories'>> & Pick<FactNeeds, 'firewalld' | 'copies' | 'directories'>;
