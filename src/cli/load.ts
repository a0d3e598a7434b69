import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadInventory, type Inventory } from '../inventory/load.js';
import { suggestField } from '../inventory/suggest.js';
import { Progress } from '../ui/progress.js';
import { UsageError } from '../util/errors.js';
import { context, inventoryPath, log, type CommonOptions } from './options.js';

/** --journal-dir (or the default) must be a directory we can create or write: checked before any connection. */
function journalProblem(dir: string): string | undefined {
  let probe = dir;
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  if (!statSync(probe).isDirectory()) return `${probe} is not a directory`;
  try {
    accessSync(probe, constants.W_OK);
  } catch {
    return `${probe} is not writable`;
  }
  return undefined;
}

/** Where the audit journal of this inventory goes: --journal-dir, else beside the inventory. */
function journalPath(options: CommonOptions, inventoryFile: string): string {
  return resolve(options.journalDir ?? join(dirname(resolve(inventoryFile)), '.hsts-cluster', 'journal'));
}

/**
 * The inventory, checked whole (bad input: UsageError, exit 2). `writesJournal`: the command keeps
 * an audit journal (up, plan, rollback, add-transfer-user), so its directory must be writable too;
 * status and verify write none.
 */
export function load(options: CommonOptions, writesJournal = true): Inventory {
  const { path, source } = inventoryPath(options);
  const journal = journalPath(options, path);
  const problem = writesJournal && existsSync(path) ? journalProblem(journal) : undefined;
  const journalRefusal = problem && { field: options.journalDir ? '--journal-dir' : 'journal', value: journal, message: `the audit journal cannot be written: ${problem}`, hint: 'pass --journal-dir DIR (a directory you can write)' };
  let inventory: Inventory;
  try {
    inventory = loadInventory(path, { source, hostKeys: options.acceptNewHostKeys ? 'accept-new' : 'strict', ...(options.group !== undefined ? { group: options.group } : {}) });
  } catch (e) {
    if (e instanceof UsageError && journalRefusal) throw new UsageError([...e.details, journalRefusal]);
    throw e;
  }
  if (journalRefusal) throw new UsageError([journalRefusal]);
  context.journalDir = journal;
  for (const warning of inventory.warnings) console.error(`warning: ${warning}`);
  if ((options.verbose ?? 0) >= 2) for (const node of inventory.nodes) log(describeTarget(node));
  return inventory;
}

export function describeTarget(node: Inventory['nodes'][number]): string {
  const s = node.ssh;
  const auth = [s.privateKeyPath ? `key ${s.privateKeyPath}` : '', s.agent ? `agent ${s.agent}` : ''].filter(Boolean).join(' + ');
  const jump = s.jumpHost ? ` via ${s.jumpHost.user}@${s.jumpHost.host}:${s.jumpHost.port}` : '';
  return `[${node.name}] ssh ${s.user}@${s.host}:${s.port}${jump} (${auth}; known_hosts ${s.knownHostsPath}; ${s.sudoPassword ? 'sudo with password' : s.user === 'root' ? 'root' : 'sudo'})`;
}

/** --limit: the named nodes, each of which must be in the inventory. */
export function limitedNodes(options: CommonOptions, inventory: Inventory): Set<string> | undefined {
  if (!options.limit) return undefined;
  const names = inventory.nodes.map((n) => n.name);
  const unknown = options.limit.filter((n) => !names.includes(n));
  if (unknown.length > 0) {
    throw new UsageError(unknown.map((name) => {
      const near = suggestField(name, names);
      return { field: '--limit', value: name, message: 'is not a node of the inventory', hint: near ? `did you mean ${near}? (nodes: ${names.join(', ')})` : `the nodes: ${names.join(', ')}` };
    }));
  }
  return new Set(options.limit);
}

export function journalDir(options: CommonOptions, inventory: Inventory): string {
  return journalPath(options, inventory.path);
}

export function progressFor(options: CommonOptions): Progress {
  return new Progress(process.stderr.isTTY && !options.verbose ? 'tty' : 'plain');
}

