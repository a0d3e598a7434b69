import { setTransferUsers, setTransferUsersYaml } from '../../inventory/edit.js';
import { rewriteInventoryFile } from '../../inventory/rewrite-file.js';
import { parse as parseYaml } from 'yaml';
import { loadPlaybook } from '../../runner/playbook.js';
import { runPlaybook } from '../../runner/run.js';
import { redact } from '../../util/secret.js';
import type { CommandContext, Outcome, OptionsOf } from '../../cli/command.js';
import { recapOutcome } from '../../cli/recap.js';
import { runOptions } from '../../cli/run-options.js';
import { createUsersOf } from './args.js';
import type { addTransferUser as addTransferUserCommand } from './cli.js';

export type AddUserOptions = OptionsOf<typeof addTransferUserCommand>;

/**
 * Records the names in the inventory's cluster.transferUsers, keeping the file's formatting, its
 * byte order mark, its owner and its mode (an inventory may hold a literal password: a new file
 * made with the default mode could be world-readable).
 */
function saveUsers(path: string, names: string[]): string[] {
  let added: string[] = [];
  rewriteInventoryFile(path, (text, format) => {
    const yaml = format === 'yaml';
    const current = ((yaml ? parseYaml(text) : JSON.parse(text)) as { cluster?: { transferUsers?: string[] } }).cluster?.transferUsers ?? [];
    added = names.filter((n) => !current.includes(n));
    if (added.length === 0) return text;
    return (yaml ? setTransferUsersYaml : setTransferUsers)(text, [...current, ...added]);
  });
  return added;
}

export async function addTransferUser(ctx: CommandContext<AddUserOptions>): Promise<Outcome> {
  const { inventory, options } = ctx;
  const unique = [...new Set(ctx.args)];
  const scoped = { ...inventory, cluster: { ...inventory.cluster, transferUsers: unique } };
  const result = await runPlaybook(scoped, loadPlaybook('add-transfer-user'), {
    ...runOptions(ctx, 'apply'),
    createUsers: createUsersOf(options),
  });
  // The recap as the run ended; a warning about the inventory's list follows it on its own line.
  const outcome = recapOutcome(result);
  if (result.exitCode === 0 && options.save) {
    try {
      const added = saveUsers(inventory.path, unique);
      if (added.length > 0) outcome.stderr += redact(`recorded ${added.join(', ')} in ${inventory.path} (cluster.transferUsers)\n`);
    } catch (e) {
      // The nodes are done; only the inventory's list is behind.
      const message = `could not record ${unique.join(', ')} in ${inventory.path}: ${(e as Error).message}; add them to cluster.transferUsers by hand`;
      result.warnings.push(message);
      outcome.stderr += redact(`warning: ${message}\n`);
    }
  }
  return outcome;
}
