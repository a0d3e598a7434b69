import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

function journalDir(dir: string): string {
  return join(dir, '.hsts-cluster', 'journal');
}

export function journalFiles(dir: string): string[] {
  return existsSync(journalDir(dir)) ? readdirSync(journalDir(dir)) : [];
}

/** Journal lines of the runs whose files are not in `except` (the runs started since then). */
export function journalEvents(dir: string, except: string[] = []): Record<string, unknown>[] {
  return journalFiles(dir).filter((f) => !except.includes(f)).flatMap((file) =>
    readFileSync(join(journalDir(dir), file), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>));
}

/** Waits (bounded) until a journal line of a run started after `except` was listed matches. */
export async function waitForJournal(dir: string, except: string[], match: (e: Record<string, unknown>) => boolean, seconds = 60): Promise<void> {
  for (let i = 0; i < seconds * 10; i++) {
    if (journalEvents(dir, except).some(match)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the journal never showed the expected event');
}
