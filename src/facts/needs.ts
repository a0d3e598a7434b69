/** What a node's probes read: the union of what a playbook's steps (or a snapshot) ask for. */
export interface FactNeeds {
  files?: string[];
  units?: string[];
  users?: string[];
  /** Read firewalld's zone serving this IP (or the zone named), when firewalld is active. */
  firewalld?: { privateIp: string; zone?: string };
}

/** What to read, every list explicit (firewalld only when asked). */
export type NeedsList = Required<Omit<FactNeeds, 'firewalld'>> & Pick<FactNeeds, 'firewalld'>;
