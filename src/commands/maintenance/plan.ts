import type { MaintenanceMark, MaintenanceRead } from '../../hsts/maintenance.js';
import type { ReplicationInfo } from '../../hsts/redis-info.js';
import type { ClusterNode } from '../../inventory/load.js';

/** What the pre-flight of `maintenance on|off NODE` read, per node in inventory order unless named. */
export interface MaintenanceFacts {
  nodes: ClusterNode[];
  target: ClusterNode;
  /** The primary's IP each node's Sentinel names (null: no answer). */
  sentinelViews: (string | null)[];
  /** Each node's maintenance mark. */
  marks: MaintenanceRead[];
  /** The target's INFO replication (null: its Redis does not answer). */
  replication: ReplicationInfo | null;
  /** The target's replica-priority at run time (null: no answer). */
  priority: string | null;
  /** The target's transfers (remote/transfers.ts: `PID COMMAND LINE`). */
  transfers: string[];
}

export type OnDecision =
  | { kind: 'refuse'; reason: string }
  | { kind: 'nothing-to-do'; mark: MaintenanceMark }
  | { kind: 'enter'; primary: ClusterNode; priority: string };

export type OffDecision =
  | { kind: 'refuse'; reason: string }
  | { kind: 'nothing-to-do' }
  | { kind: 'leave'; primary: ClusterNode; mark: MaintenanceMark };

const majorityOf = (n: number) => Math.floor(n / 2) + 1;

/** The primary a majority of Sentinels names, or why there is none. */
export function namedPrimary(nodes: ClusterNode[], views: (string | null)[]): ClusterNode | string {
  const votes = new Map<string, number>();
  for (const ip of views) if (ip) votes.set(ip, (votes.get(ip) ?? 0) + 1);
  const [ip, count] = [...votes.entries()].sort((a, b) => b[1] - a[1])[0] ?? [null, 0];
  const described = nodes.map((n, i) => `${n.name}: ${views[i] ?? 'no answer'}`).join(', ');
  if (!ip || count < majorityOf(nodes.length)) return `no majority of Sentinels names one primary (${described})`;
  return nodes.find((n) => n.privateIp === ip) ?? `the Sentinels name ${ip}, which is not a node of the inventory`;
}

function unreadableMark(facts: MaintenanceFacts): string | null {
  const i = facts.nodes.indexOf(facts.target);
  const read = facts.marks[i];
  return read?.state === 'unreadable' ? `${facts.target.name}'s maintenance mark cannot be read (${read.reason}): look at it, or remove it by hand` : null;
}

/**
 * Whether NODE may go into maintenance: the Sentinels name a primary and it is not NODE (a switchover
 * moves it first), NODE's Redis answers with its replica-priority, a majority of the nodes stays in
 * service, and no transfer runs on it unless the run may wait for them (--wait-transfers).
 */
export function decideOn(facts: MaintenanceFacts, waitTransfersS: number): OnDecision {
  const { nodes, target, marks } = facts;
  const refuse = (reason: string): OnDecision => ({ kind: 'refuse', reason });
  const unreadable = unreadableMark(facts);
  if (unreadable) return refuse(unreadable);
  const own = marks[nodes.indexOf(target)];
  if (own?.state === 'on') return { kind: 'nothing-to-do', mark: own.mark };
  const primary = namedPrimary(nodes, facts.sentinelViews);
  if (typeof primary === 'string') return refuse(primary);
  if (primary === target) return refuse(`${target.name} is the primary: run \`hsts-cluster switchover\` first, then put it in maintenance`);
  if (!facts.replication || facts.priority === null) return refuse(`${target.name}'s Redis does not answer: its replica-priority cannot be set to 0`);
  const already = nodes.filter((n, i) => n !== target && marks[i]?.state === 'on');
  const inService = nodes.length - already.length - 1;
  if (inService < majorityOf(nodes.length)) {
    return refuse(`${target.name} in maintenance would leave ${inService} of ${nodes.length} nodes in service, fewer than a Sentinel majority ` +
      `(${majorityOf(nodes.length)}); in maintenance already: ${already.map((n) => n.name).join(', ')}`);
  }
  if (facts.transfers.length > 0 && waitTransfersS <= 0) {
    return refuse(`transfers in progress on ${target.name}: ${facts.transfers.join('; ')} (let them finish, or use --wait-transfers SECONDS)`);
  }
  return { kind: 'enter', primary, priority: facts.priority };
}

/** Whether NODE can come back: it carries a readable mark and the Sentinels name a primary. */
export function decideOff(facts: MaintenanceFacts): OffDecision {
  const unreadable = unreadableMark(facts);
  if (unreadable) return { kind: 'refuse', reason: unreadable };
  const own = facts.marks[facts.nodes.indexOf(facts.target)];
  if (own?.state !== 'on') return { kind: 'nothing-to-do' };
  const primary = namedPrimary(facts.nodes, facts.sentinelViews);
  if (typeof primary === 'string') return { kind: 'refuse', reason: primary };
  return { kind: 'leave', primary, mark: own.mark };
}

/** Services `maintenance on --stop-services` may stop: HSTS's own daemons, never Redis or Sentinel. */
export const STOPPABLE = ['asperanoded', 'asperarund'] as const;
