/**
 * A node's maintenance mark (HSTS.maintenanceFile, root-only JSON): who put the node in
 * maintenance, since when, why, the run that did it, the services that run stopped, and the
 * replica-priority `maintenance off` puts back. Pure: the parser and the decisions other commands
 * make from it.
 */
import { SERVICES, type Service } from './paths.js';

export interface MaintenanceMark {
  /** user@host of the controller that ran `maintenance on`. */
  by: string;
  /** ISO time. */
  since: string;
  message: string;
  /** The run id of `maintenance on`. */
  run: string;
  /** Services `maintenance on` stopped; they stay stopped until `maintenance off` starts them. */
  stopped: Service[];
  /** The replica-priority the node had before (CONFIG GET), put back by `off`. */
  replicaPriority: string;
}

/** What reading the file gave: no file, a mark, or a file that is not one (named, never guessed at). */
export type MaintenanceRead = { state: 'none' } | { state: 'on'; mark: MaintenanceMark } | { state: 'unreadable'; reason: string };

const isService = (s: unknown): s is Service => typeof s === 'string' && (SERVICES as readonly string[]).includes(s);

export function parseMaintenanceMark(text: string): MaintenanceRead {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { state: 'unreadable', reason: 'not JSON' };
  }
  if (typeof raw !== 'object' || raw === null) return { state: 'unreadable', reason: 'not a JSON object' };
  const o = raw as Record<string, unknown>;
  for (const key of ['by', 'since', 'message', 'run'] as const) {
    if (typeof o[key] !== 'string') return { state: 'unreadable', reason: `"${key}" is not a string` };
  }
  if (!Array.isArray(o.stopped) || !o.stopped.every(isService)) return { state: 'unreadable', reason: `"stopped" is not a list of ${SERVICES.join(', ')}` };
  // A mark written by hand or by another tool may lack the priority: 100 is Redis's default.
  const priority = o.replicaPriority === undefined ? '100' : o.replicaPriority;
  if (typeof priority !== 'string' || !/^\d+$/.test(priority)) return { state: 'unreadable', reason: '"replicaPriority" is not a whole number in a string' };
  return {
    state: 'on',
    mark: { by: o.by as string, since: o.since as string, message: o.message as string, run: o.run as string, stopped: o.stopped, replicaPriority: priority },
  };
}

export function renderMaintenanceMark(mark: MaintenanceMark): string {
  return `${JSON.stringify(mark, null, 2)}\n`;
}

/** The services a node in maintenance keeps stopped: `up` starts none of them. */
export function keptStopped(read: MaintenanceRead | undefined): Set<Service> {
  return new Set(read?.state === 'on' ? read.mark.stopped : []);
}

/** One line for people: "in maintenance since T by U (run R): MESSAGE". */
export function describeMark(mark: MaintenanceMark): string {
  return `in maintenance since ${mark.since} by ${mark.by}${mark.message ? `: ${mark.message}` : ''}` +
    (mark.stopped.length ? ` (stopped: ${mark.stopped.join(', ')})` : '');
}
