import { readFileSync, renameSync, writeFileSync } from 'node:fs';
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

/** Records the names in the inventory's cluster.transferUsers, keeping the file's formatting. */
function saveUsers(path: string, names: string[]): string[] {
  const text = readFileSync(path, 'utf8');
  const current = (JSON.parse(text) as { cluster?: { transferUsers?: string[] } }).cluster?.transferUsers ?? [];
  const added = names.filter((n) => !current.includes(n));
  if (added.length === 0) return [];
  const tmp = `${path}.hsts-cluster.tmp`;
  writeFileSync(tmp, setTransferUsers(text, [...current, ...added]));
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
      const added = saveUsers(inventory.path, unique);
      if (added.length > 0) log(`recorded ${added.join(', ')} in ${inventory.path} (cluster.transferUsers)`);
    }
    if (options.json) process.stdout.write(renderJson(result));
    return result.exitCode;
  } finally {
    interrupt.dispose();
  }
}
