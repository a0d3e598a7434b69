/**
 * Membership: who is in the cluster now (learned from the nodes, not from a file on the controller)
 * against who the inventory says should be, and the ordered changes that get there safely.
 * Pure: live facts in, decisions out (test/unit/membership-plan.test.ts).
 */

/** One inventory node: its name and private IP. */
export interface Member {
  name: string;
  ip: string;
}

/** What one reachable inventory node says about the cluster it belongs to. */
export interface MemberView extends Member {
  /** aspera.conf's db_host list ([] when unset: a fresh node). */
  dbHosts: string[];
  /** Sentinel's view (its file, which it rewrites at run time): the peers and replicas it knows. */
  sentinelPeers: string[];
  sentinelReplicas: string[];
  /** The primary its Sentinel monitors, null when it monitors none. */
  sentinelPrimary: string | null;
  /** Whether its Sentinel answered (a running Sentinel is a vote during the change). */
  sentinelAnswers: boolean;
}

export interface MembershipInput {
  /** The inventory's nodes, in its order. */
  desired: Member[];
  /** Every inventory node's view (nodes not reached are left out). */
  views: MemberView[];
  /** The current primary's IP (from the Sentinels, or the inventory on a fresh cluster). */
  primaryIp: string;
  /** The inventory's primary: the switchover target when the current primary is removed. */
  declaredPrimary: string;
}

export type MembershipChange =
  /** A planned switchover moves the primary off a node being removed. */
  | { kind: 'switchover'; node: string; from: string; to: string }
  /** A removed node, over the network while it is still allowed in: its Sentinel forgets the cluster, its Redis stops. */
  | { kind: 'detach'; node: string; ip: string }
  /** A kept node: new db_host/db_port lists and firewall rules; asperanoded/asperarund restarted. */
  | { kind: 'update'; node: string; ip: string }
  /** A new node: configured as a replica of the current primary, its Sentinel joins and is waited for. */
  | { kind: 'join'; node: string; ip: string }
  /** SENTINEL RESET on one remaining Sentinel, then wait until it counts every peer again. */
  | { kind: 'reset'; node: string; ip: string };

export interface MembershipPlan {
  /** 'initial': no node belongs to a cluster yet (a first `up`); 'same': nothing to change. */
  kind: 'initial' | 'same' | 'change';
  current: string[];
  added: Member[];
  /** IPs that are members now and not in the inventory (with the name, when an inventory node had it). */
  removed: string[];
  kept: Member[];
  changes: MembershipChange[];
  /** Why this change is refused (nothing is touched), with what to do instead. */
  refusal: string | null;
}

const unique = (ips: string[]) => [...new Set(ips.filter(Boolean))];

/** The members now: every address a node's db_host list or Sentinel names. */
export function currentMembers(views: MemberView[]): string[] {
  return unique(views.flatMap((v) => [
    ...v.dbHosts, ...v.sentinelPeers, ...v.sentinelReplicas, ...(v.sentinelPrimary ? [v.sentinelPrimary] : []),
    // Its own address is not among its Sentinel's peers; a monitored primary makes it a member too.
    ...(v.sentinelPrimary ? [v.ip] : []),
  ]));
}

export function planMembership(input: MembershipInput): MembershipPlan {
  const current = currentMembers(input.views);
  const desiredIps = new Set(input.desired.map((m) => m.ip));
  const base = { current, added: [] as Member[], removed: [] as string[], kept: [] as Member[], changes: [], refusal: null };
  if (current.length === 0) return { ...base, kind: 'initial' };
  const kept = input.desired.filter((m) => current.includes(m.ip));
  const added = input.desired.filter((m) => !current.includes(m.ip));
  const removed = current.filter((ip) => !desiredIps.has(ip));
  const plan: MembershipPlan = { ...base, kind: added.length + removed.length === 0 ? 'same' : 'change', kept, added, removed };
  if (plan.kind === 'same') return plan;
  plan.refusal = refusal(input, plan);
  if (plan.refusal === null) plan.changes = orderedChanges(input, plan);
  return plan;
}

/** Why the change would lose the Sentinel majority (or cannot be done in one run), else null. */
function refusal(input: MembershipInput, plan: MembershipPlan): string | null {
  const n = plan.current.length;
  const majority = Math.floor(n / 2) + 1;
  if (plan.kept.length === 0) {
    return `no node of the inventory is a member of the cluster now (members: ${plan.current.join(', ')}); ` +
      'keep at least a majority of the current members in the inventory';
  }
  if (plan.removed.length * 2 >= n) {
    const most = Math.floor((n - 1) / 2);
    return `removing ${plan.removed.length} of ${n} members (${plan.removed.join(', ')}) at once would lose the Sentinel majority ` +
      `(${majority} of ${n}); remove or replace at most ${most} per run: put the others back in the inventory, run up, then remove them in a later run`;
  }
  const answering = input.views.filter((v) => v.sentinelAnswers && plan.kept.some((k) => k.ip === v.ip)).length;
  if (answering < majority) {
    return `only ${answering} of the ${n} current Sentinels answer among the nodes kept; a membership change needs a majority (${majority}) ` +
      'running: start the stopped Sentinels (run up with the current membership) first';
  }
  if (plan.added.length > plan.kept.length) {
    return `adding ${plan.added.length} nodes to ${plan.kept.length} kept ones at once would let the new Sentinels outvote the cluster's own; ` +
      `add at most ${plan.kept.length} per run (grow in steps, e.g. ${n} → ${n + 2}, then again)`;
  }
  if (plan.kept.length + plan.added.length < 3) return 'a cluster needs at least three nodes';
  return null;
}

/** switchover, detach, update kept (replicas first, the primary last), join new ones, reset Sentinels. */
function orderedChanges(input: MembershipInput, plan: MembershipPlan): MembershipChange[] {
  const changes: MembershipChange[] = [];
  const nameOf = (ip: string) => input.views.find((v) => v.ip === ip)?.name ?? ip;
  let primary = input.primaryIp;
  if (plan.removed.includes(primary)) {
    const target = plan.kept.find((k) => k.ip === input.declaredPrimary) ?? plan.kept[0]!;
    changes.push({ kind: 'switchover', node: target.name, from: primary, to: target.ip });
    primary = target.ip;
  }
  for (const ip of plan.removed) changes.push({ kind: 'detach', node: nameOf(ip), ip });
  const keptInOrder = [...plan.kept.filter((k) => k.ip !== primary), ...plan.kept.filter((k) => k.ip === primary)];
  for (const k of keptInOrder) changes.push({ kind: 'update', node: k.name, ip: k.ip });
  for (const a of plan.added) changes.push({ kind: 'join', node: a.name, ip: a.ip });
  if (plan.removed.length > 0) {
    // New Sentinels never saw the removed ones; the kept ones remember them until reset.
    for (const k of plan.kept) changes.push({ kind: 'reset', node: k.name, ip: k.ip });
  }
  return changes;
}

/** One line per change, for `plan` and the run's log. */
export function describeChange(change: MembershipChange): string {
  switch (change.kind) {
    case 'switchover': return `switchover: the primary moves from ${change.from} to ${change.node} (${change.to}) before anything is removed`;
    case 'detach': return `detach ${change.node === change.ip ? change.ip : `${change.node} (${change.ip})`}: its Sentinel stops monitoring the cluster (SENTINEL REMOVE), its Redis is shut down (skipped if it does not answer)`;
    case 'update': return `update ${change.node}: new db_host/db_port lists and firewall rules; asperanoded, asperarund restarted (this node alone)`;
    case 'join': return `join ${change.node} (${change.ip}): replica of the current primary; its Sentinel joins and every Sentinel must count it`;
    case 'reset': return `reset the Sentinel on ${change.node}: SENTINEL RESET, then wait until it counts every peer and replica`;
  }
}
