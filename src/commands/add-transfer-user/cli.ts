import { InvalidArgumentError } from 'commander';
import { USER_NAME, USER_NAME_RULE } from '../../inventory/user-name.js';
import { checkShellOption, loginShell } from './args.js';
import { defineCommand, type Handled } from '../../cli/command.js';
import { refuseAnsibleInventory } from '../../cli/native-only.js';
import { withBreakLock, withKeepRuns } from '../../cli/options.js';

function userName(value: string, previous: string[] = []): string[] {
  if (!USER_NAME.test(value)) throw new InvalidArgumentError(`"${value}" ${USER_NAME_RULE}`);
  return [...previous, value];
}

export const addTransferUser = defineCommand({
  name: 'add-transfer-user',
  description: 'initialize the keystore of transfer users on every node (askmscli -i -u NAME); idempotent, rolled back on failure',
  docs: 'docs/day-2.md#add-transfer-user',
  declare: (command) => withKeepRuns(withBreakLock(command))
    .argument('<names...>', 'transfer user names', (v: string, prev: string[] | undefined) => userName(v, prev))
    .option('--create', 'create the OS user where it is missing (useradd --create-home --shell SHELL)')
    .option('--shell <path>', 'with --create: the new users\' login shell, an absolute path that must be an executable file on every node where a user is created (default /bin/aspshell, IBM\'s restricted shell for transfer users: transfers and browsing only; /bin/bash gives a full login shell)', loginShell)
    .option('--no-save', 'do not record the names in the inventory\'s cluster.transferUsers'),
  journal: true,
  limit: { refused: 'the keystores of transfer users must match on every node' },
  interrupt: 'rollback',
  validate: (options) => {
    checkShellOption(options);
    if (options.save) refuseAnsibleInventory(options, 'add-transfer-user (without --no-save)', 'add --no-save and list the names in hsts_cluster.transferUsers yourself, or convert the inventory first (hsts-cluster inventory convert)');
  },
  handler: async (ctx): Handled => (await import('./action.js')).addTransferUser(ctx),
});
