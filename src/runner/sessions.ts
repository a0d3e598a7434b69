import pLimit from 'p-limit';
import type { Inventory } from '../inventory/load.js';
import type { ConnectOptions } from '../ssh/connection.js';
import { NodeSession, type CommandListener } from '../ssh/session.js';

export interface OpenResult {
  sessions: Map<string, NodeSession>;
  failures: Map<string, string>;
}

/** One SSH connection per node, opened in parallel (at most `forks` at once). */
export async function openSessions(
  inventory: Inventory,
  options: ConnectOptions & { forks: number },
  onCommand?: CommandListener,
): Promise<OpenResult> {
  const limit = pLimit(Math.max(1, options.forks));
  const sessions = new Map<string, NodeSession>();
  const failures = new Map<string, string>();
  await Promise.all(inventory.nodes.map((node) => limit(async () => {
    try {
      sessions.set(node.name, await NodeSession.open(node, options, onCommand));
    } catch (e) {
      failures.set(node.name, (e as Error).message);
    }
  })));
  return { sessions, failures };
}

export function closeSessions(sessions: Map<string, NodeSession>): void {
  for (const session of sessions.values()) session.close();
}
