import { InvalidArgumentError, type Command } from 'commander';
import { dirname, join, resolve } from 'node:path';
import { loadInventory, type Inventory } from '../inventory/load.js';
import { Progress } from '../ui/progress.js';
import { redact } from '../util/secret.js';

export interface CommonOptions {
  inventory: string;
  forks?: number;
  acceptNewHostKeys?: boolean;
  json?: boolean;
  verbose?: boolean;
  journalDir?: string;
}

export function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    return n;
  };
}

/** -i, --forks, --accept-new-host-keys, --json, --verbose, --journal-dir: shared by every command. */
export function withCommonOptions(command: Command): Command {
  return command
    .option('-i, --inventory <file>', 'inventory file', 'inventory.json')
    .option('--forks <n>', 'nodes worked on at once (default: all)', wholeNumber(1, 1000))
    .option('--accept-new-host-keys', 'record unknown SSH host keys (like OpenSSH accept-new); a changed key is always refused')
    .option('--json', 'print one machine-readable result on stdout (progress goes to stderr)')
    .option('-v, --verbose', 'show every remote command (secrets as ***)')
    .option('--journal-dir <dir>', 'where the audit journal goes (default: .hsts-cluster/journal beside the inventory)');
}

export function load(options: CommonOptions): Inventory {
  const inventory = loadInventory(options.inventory);
  for (const warning of inventory.warnings) console.error(`warning: ${warning}`);
  return inventory;
}

export function journalDir(options: CommonOptions, inventory: Inventory): string {
  return resolve(options.journalDir ?? join(dirname(inventory.path), '.hsts-cluster', 'journal'));
}

export function progressFor(options: CommonOptions): Progress {
  return new Progress(process.stderr.isTTY && !options.verbose ? 'tty' : 'plain');
}

export function log(line: string): void {
  process.stderr.write(`${redact(line)}\n`);
}

/** Ctrl-C: the first asks the run to stop and roll back; later ones are told to wait. */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = () => {
    if (!controller.signal.aborted) {
      log('interrupted: letting running commands finish, then restoring every changed node (this can take a moment)');
      controller.abort();
    } else {
      log('still restoring the nodes; please wait');
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return { signal: controller.signal, dispose: () => { process.off('SIGINT', handler); process.off('SIGTERM', handler); } };
}
