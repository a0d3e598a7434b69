import type { Journal, JournalEvent } from '../journal.js';
import type { RunResult } from '../result.js';

/**
 * What happens during a run, as the engine reports it. The journal and the verbose log observe
 * these events; the engine itself writes no journal line and prints no command.
 */
export type RunEvent =
  /** `run` (rollback: the run asked for with --run, or null) replaces the journal line's own run id, as it always did. */
  | { event: 'run-start'; command: string; inventory: string; mode?: string; nodes?: string[]; run?: string | null }
  | { event: 'command'; node: string; command: string }
  | { event: 'command-result'; node: string; command: string; exitCode: number; durationMs: number }
  | { event: 'connect-failed'; node: string; error: string }
  /** A node failed at a stage of the run: before any change, while saving its snapshot, or in a step. */
  | { event: 'node-failed'; stage: 'pre-flight' | 'snapshot' | 'step'; node: string; error: string }
  | { event: 'roles'; primary: string; reason: string }
  | { event: 'preflight-failed'; problems: string[] }
  | { event: 'step-result'; node: string; step: string; result: string; durationMs: number; error: string | undefined }
  | { event: 'interrupted' }
  | { event: 'rollback-start'; nodes: string[] }
  | { event: 'rollback'; node: string; run?: string; result: 'restored' | 'failed'; left: string[] }
  | { event: 'run-end'; exitCode: number; totals: RunResult['totals']; durationMs: number; errors: string[] };

export type RunObserver = (event: RunEvent) => void;

/** The journal's line for an event: its names predate the events and readers of old journals rely on them. */
function journalLine(e: RunEvent): JournalEvent {
  switch (e.event) {
    case 'command-result': return { event: 'result', node: e.node, command: e.command, exitCode: e.exitCode, durationMs: e.durationMs };
    case 'connect-failed': return { event: 'connect', node: e.node, result: 'failed', error: e.error };
    case 'node-failed': return { event: e.stage, node: e.node, result: 'failed', error: e.error };
    case 'preflight-failed': return { event: 'preflight', result: 'failed', problems: e.problems };
    case 'step-result': {
      const { event: _event, ...rest } = e;
      return { event: 'step', ...rest };
    }
    default: return e;
  }
}

/** Records every event in the audit journal, one JSON line each. */
export function journalObserver(journal: Journal): RunObserver {
  return (event) => journal.write(journalLine(event));
}

/** --verbose: each remote command as it starts, and how long it took when that was noticeable. */
export function verboseObserver(log: (line: string) => void): RunObserver {
  return (e) => {
    if (e.event === 'command') log(`[${e.node}] $ ${e.command}`);
    if (e.event === 'command-result' && e.durationMs >= 100) log(`[${e.node}]   (${e.durationMs} ms)`);
  };
}
