import { UNANSWERED_EXIT } from './answer.js';

/**
 * A farm run that sent a command the recording has no answer for: the recording is older than the
 * code (bench/farm/freshness.ts). Names each such command by its label, as the run's journal has it.
 */
export class UnansweredCommands extends Error {
  constructor(readonly run: string, readonly labels: string[]) {
    super(`the farm's recording has no answer for ${labels.length} command(s) of the ${run}: ${labels.map((l) => `"${l}"`).join(', ')}`);
  }
}

/** The labels of the commands a run's journal shows the farm could not answer, each once. */
export function unansweredLabels(journalText: string): string[] {
  const labels = new Set<string>();
  for (const line of journalText.split('\n')) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as { event?: string; command?: string; exitCode?: number };
    if (event.event === 'result' && event.exitCode === UNANSWERED_EXIT && event.command) labels.add(event.command);
  }
  return [...labels];
}
