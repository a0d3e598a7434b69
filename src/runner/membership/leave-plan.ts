/**
 * Leaving nodes ("state": "absent" in the inventory): what `up` does to each over SSH before the
 * cluster is converged without them. Pure: facts in, ordered changes out
 * (test/unit/membership-leave-plan.test.ts).
 */
import { STOP_ORDER } from '../../hsts/paths.js';

export interface LeavingFacts {
  name: string;
  ip: string;
  /** Reached over SSH (an unreachable one is detached over the Redis protocol, as a deleted node). */
  reachable: boolean;
  /** systemctl's view of each HSTS unit: ActiveState and UnitFileState. */
  units: Map<string, { active: string; enabled: string }>;
}

export type LeavingChange =
  /** The leaving node is the primary: a planned switchover to a present node first. */
  | { kind: 'switchover'; node: string; to: string }
  /** Stop (HSTS first, Redis last) and disable what still runs or would start on boot. */
  | { kind: 'stop-disable'; node: string; stop: string[]; disable: string[] }
  /** Not reached over SSH: left to the Redis-protocol detach (SENTINEL REMOVE, SHUTDOWN NOSAVE). */
  | { kind: 'unreachable'; node: string }
  /** Already detached: every HSTS unit inactive and disabled. */
  | { kind: 'absent'; node: string };

export interface LeavingPlan {
  changes: LeavingChange[];
  refusal: string | null;
}

const STOPPED = new Set(['inactive', 'failed', '']);
/** States in which a unit starts at boot (or can be pulled in): everything but these. */
const NOT_STARTING = new Set(['disabled', 'masked', 'masked-runtime', 'static', '']);

export function planLeaving(leaving: LeavingFacts[], primaryIp: string | null, takeover: string): LeavingPlan {
  const changes: LeavingChange[] = [];
  const primary = leaving.find((l) => l.ip === primaryIp);
  if (primary && !primary.reachable) {
    return {
      changes,
      refusal: `${primary.name} (${primary.ip}) is the primary and leaving, but it cannot be reached over SSH; ` +
        `run \`hsts-cluster switchover --to ${takeover}\` with it still present, or delete it from the inventory if it is gone for good`,
    };
  }
  if (primary) changes.push({ kind: 'switchover', node: primary.name, to: takeover });
  for (const l of leaving) {
    if (!l.reachable) {
      changes.push({ kind: 'unreachable', node: l.name });
      continue;
    }
    const stop = STOP_ORDER.filter((u) => !STOPPED.has(l.units.get(u)?.active ?? ''));
    const disable = STOP_ORDER.filter((u) => !NOT_STARTING.has(l.units.get(u)?.enabled ?? ''));
    changes.push(stop.length + disable.length === 0 ? { kind: 'absent', node: l.name } : { kind: 'stop-disable', node: l.name, stop, disable });
  }
  return { changes, refusal: null };
}

export function describeLeaving(change: LeavingChange): string {
  switch (change.kind) {
    case 'switchover': return `switchover: the primary moves from ${change.node} (leaving) to ${change.to}, no acknowledged write lost`;
    case 'stop-disable': return `leave ${change.node}: ${[
      change.stop.length ? `stop ${change.stop.join(', ')}` : '', change.disable.length ? `disable ${change.disable.join(', ')}` : '',
    ].filter(Boolean).join('; ')} (its files stay; nothing starts it again on boot)`;
    case 'unreachable': return `${change.node} is absent and not reachable over SSH: detached over the Redis protocol only, when it answers`;
    case 'absent': return `${change.node} is absent: already detached (HSTS units inactive and disabled)`;
  }
}
