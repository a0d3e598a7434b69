import { chownSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { setTransferUsers } from '../../inventory/edit.js';
import { loadPlaybook } from '../../runner/playbook.js';
import { runPlaybook } from '../../runner/run.js';
import { renderJson, renderRecap } from '../../ui/render.js';
import { load } from '../load.js';
import { interruptSignal, log, type CommonOptions } from '../options.js';
import { runOptions } from './run-options.js';

export interface AddUserOptions extends CommonOptions {
  create?: boolean;
  save: boolean;
  breakLock?: boolean;
}

/**
 * Records the names in the inventory's cluster.transferUsers, keeping the file's formatting, its
 * byte order mark, its owner and its mode (an inventory may hold a literal password: a new file
 * made with the default mode could be world-readable).
 */
function saveUsers(path: string, names: string[]): string[] {
  const raw = readFileSync(path, 'utf8');
  const bom = raw.startsWith('\uFEFF') ? '\uFEFF' : '';
  const text = raw.slice(bom.length);
  const current = (JSON.parse(text) as { cluster?: { transferUsers?: string[] } }).cluster?.transferUsers ?? [];
  const added = names.filter((n) => !current.includes(n));
  if (added.length === 0) return [];
  const { mode, uid, gid } = statSync(path);
  const tmp = `${path}.hsts-cluster.tmp`;
  writeFileSync(tmp, bom + setTransferUsers(text, [...current, ...added]), { mode: mode & 0o7777 });
  if (process.getuid?.() === 0) chownSync(tmp, uid, gid);
  renameSync(tmp, path);
  return added;
}

export async function addTransferUser(names: string[], options: AddUserOptions): Promise<number> {
  const inventory = load(options);
  const unique = [...new Set(names)];
  const scoped = { ...inventory, cluster: { ...inventory.cluster, transferUsers: unique } };
  const interrupt = interruptSignal();
  try {
    const result = await runPlaybook(scoped, loadPlaybook('add-transfer-user'), {
      ...runOptions(options, inventory, 'apply', interrupt.signal),
      createUsers: Boolean(options.create),
    });
    process.stderr.write(renderRecap(result));
    if (result.exitCode === 0 && options.save) {
      try {
        const added = saveUsers(inventory.path, unique);
        if (added.length > 0) log(`recorded ${added.join(', ')} in ${inventory.path} (cluster.transferUsers)`);
      } catch (e) {
        // The nodes are done; only the inventory's list is behind.
        const message = `could not record ${unique.join(', ')} in ${inventory.path}: ${(e as Error).message}; add them to cluster.transferUsers by hand`;
        result.warnings.push(message);
        log(`warning: ${message}`);
      }
    }
    if (options.json) process.stdout.write(renderJson(result));
    return result.exitCode;
  } finally {
    interrupt.dispose();
  }
}
