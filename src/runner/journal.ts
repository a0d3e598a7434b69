import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { redact } from '../util/secret.js';

export interface JournalEvent {
  event: string;
  node?: string;
  step?: string;
  result?: string;
  durationMs?: number;
  [key: string]: unknown;
}

/**
 * The audit trail: one JSON line per event (run, phase, command, result, rollback), with time and
 * duration. Every line passes through redact(), so no known secret reaches the file.
 */
export class Journal {
  readonly path: string;

  constructor(dir: string, readonly run: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.path = join(dir, `${run}.jsonl`);
  }

  write(event: JournalEvent): void {
    const line = JSON.stringify({ time: new Date().toISOString(), run: this.run, ...event });
    appendFileSync(this.path, `${redact(line)}\n`, { mode: 0o600 });
  }
}
