import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { setTransferUsers } from '../inventory/edit.js';
import { USER_NAME_RULE } from '../inventory/schema.js';
import { loadPlaybook } from '../runner/playbook.js';
import { runPlaybook } from '../runner/run.js';
import { renderJson, renderRecap } from '../ui/render.js';
import { interruptSignal, load, log, withCommonOptions, type CommonOptions } from './options.js';
import { runOptions } from './run-options.js';

interface AddUserOptions extends CommonOptions {
  create?: boolean;
  save: boolean;
  breakLock?: boolean;
}

function userName(value: string, previous: string[] = []): string[] {
  if (!/^[a-z_][a-z0-9_.-]{0,31}$/.test(value)) throw new InvalidArgumentError(`"${value}" ${USER_NAME_RULE}`);
  return [...previous, value];
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

export function registerAddTransferUser(program: Command, setExit: (code: number) => void): void {
  withCommonOptions(program.command('add-transfer-user'))
    .description('initialize the keystore of transfer users on every node (askmscli -i -u NAME); idempotent, rolled back on failure')
    .argument('<names...>', 'transfer user names', (v: string, prev: string[] | undefined) => userName(v, prev))
    .option('--create', 'create the OS user where it is missing (useradd --create-home)')
    .option('--no-save', 'do not record the names in the inventory\'s cluster.transferUsers')
    .option('--break-lock', 'remove a run lock left by a run whose controller is gone')
    .action(async (names: string[], options: AddUserOptions) => {
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
        setExit(result.exitCode);
      } finally {
        interrupt.dispose();
      }
    });
}
