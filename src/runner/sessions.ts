import pLimit from 'p-limit';
import type { Inventory } from '../inventory/load.js';
import { trustedProgramsCheck, trustedProgramsRefusal } from '../remote/trusted-programs.js';
import type { ConnectOptions } from '../ssh/connection.js';
import { NodeSession, type CommandListener } from '../ssh/session.js';

export interface OpenResult {
  sessions: Map<string, NodeSession>;
  failures: Map<string, string>;
}

export interface OpenOptions extends ConnectOptions {
  forks: number;
  /**
   * Whether a node whose IBM programs another account could replace is refused (a failure, its
   * session closed) before the command runs any of them as root (remote/trusted-programs.ts). False
   * only where the command's own facts check it before any runs (the playbooks' pre-flight).
   */
  checkPrograms?: boolean;
}

/** One SSH connection per node, opened in parallel (at most `forks` at once). */
export async function openSessions(
  inventory: Inventory,
  options: OpenOptions,
  onCommand?: CommandListener,
): Promise<OpenResult> {
  const limit = pLimit(Math.max(1, options.forks));
  const sessions = new Map<string, NodeSession>();
  const failures = new Map<string, string>();
  await Promise.all(inventory.nodes.map((node) => limit(async () => {
    try {
      const session = await NodeSession.open(node, options, onCommand);
      const refusal = options.checkPrograms === false ? null : await programsRefusal(session);
      if (refusal) {
        session.close();
        failures.set(node.name, refusal);
        return;
      }
      sessions.set(node.name, session);
    } catch (e) {
      failures.set(node.name, (e as Error).message);
    }
  })));
  return { sessions, failures };
}

/** The programs check on one open session: null when IBM's programs are root's alone, else the refusal. */
export async function programsRefusal(session: NodeSession): Promise<string | null> {
  const r = await session.run([trustedProgramsCheck()], 'run-all', 30_000);
  return trustedProgramsRefusal(r.results[0]?.output ?? r.failure?.output);
}

export function closeSessions(sessions: Map<string, NodeSession>): void {
  for (const session of sessions.values()) session.close();
}
