import { InvalidArgumentError, type Command } from 'commander';
import type { Command as TypedCommand, OptionValues } from '@commander-js/extra-typings';
import type { InventorySource } from '../inventory/read-file.js';
import { redact } from '../util/secret.js';

// A type, not an interface: commander's typed options are a record of them.
export type CommonOptions = {
  inventory?: string;
  forks?: number;
  acceptNewHostKeys?: boolean;
  json?: boolean;
  /** -v: 1, -vv: 2. */
  verbose?: number;
  journalDir?: string;
  limit?: string[];
  group?: string;
};

export const INVENTORY_ENV = 'HSTS_CLUSTER_INVENTORY';

export function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    return n;
  };
}

const count = (_: string, previous: number | undefined) => (previous ?? 0) + 1;
/** A repeatable comma-separated option: `--nodes a,b --nodes c` is [a, b, c]. */
export const commaList = (value: string, previous: string[] | undefined) => [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter(Boolean)];

/**
 * The options every command shares. The program carries them too, so that they work before the
 * command as well as after it (`hsts-cluster -i inv.json up`); main.ts merges the two.
 */
export function withCommonOptions(command: Command): Command {
  return command
    .option('-i, --inventory <file>', `inventory file (default: $${INVENTORY_ENV}, else ./inventory.json)`)
    .option('-f, --forks <n>', 'nodes worked on at once (default: all)', wholeNumber(1, 1000))
    .option('-l, --limit <nodes>', 'only these nodes, comma-separated (status and plan; up always converges the whole cluster)', commaList)
    .option('--accept-new-host-keys', 'record unknown SSH host keys (like OpenSSH accept-new); a changed key is always refused')
    .option('--json', 'print one machine-readable result on stdout, also on errors (progress goes to stderr)')
    .option('-v, --verbose', 'show every remote command (secrets as ***) and the trace of an internal error; -vv also the SSH settings each node resolves to', count)
    .option('--journal-dir <dir>', 'where the audit journal goes (default: .hsts-cluster/journal beside the inventory)')
    .option('--group <name>', 'with an Ansible inventory: the group of the cluster\'s hosts (default: hsts_cluster)');
}

/** --break-lock, for every command that takes the run lock. */
export function withBreakLock<A extends unknown[], O extends OptionValues>(command: TypedCommand<A, O>) {
  return command.option('--break-lock', 'remove a run lock left by a run whose controller is gone');
}

/** --keep-runs, for the commands whose runs keep a snapshot on each node they change. */
export function withKeepRuns<A extends unknown[], O extends OptionValues>(command: TypedCommand<A, O>) {
  return command.option('--keep-runs <n>', 'runs (snapshots) each changed node keeps: the newest N, and every unfinished one (default: 10)', wholeNumber(1, 10_000));
}

/** What an internal error report may point at: the journal of the inventory being worked on. */
export const context: { journalDir?: string } = {};

/** The inventory path, from -i, else $HSTS_CLUSTER_INVENTORY, else ./inventory.json. */
export function inventoryPath(options: CommonOptions): { path: string; source: InventorySource } {
  if (options.inventory !== undefined) return { path: options.inventory, source: 'option' };
  const fromEnv = process.env[INVENTORY_ENV];
  if (fromEnv) return { path: fromEnv, source: 'env' };
  return { path: 'inventory.json', source: 'default' };
}

export function log(line: string): void {
  process.stderr.write(`${redact(line)}\n`);
}
