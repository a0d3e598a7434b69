import { defineCommand, type Handled } from '../../cli/command.js';
import { checkOut } from './args.js';
import { withBreakLock } from '../../cli/options.js';

export const backup = defineCommand({
  name: 'backup',
  description: "save the primary's dataset (BGSAVE), each node's managed configuration (passwords left out) and a manifest in one archive, mode 0600",
  docs: 'docs/backup-restore.md',
  declare: (command) => withBreakLock(command)
    .requiredOption('--out <file>', 'the archive to write (a tar file; replaced if it exists)')
    .option('--dry-run', 'check, name the primary and the steps, and write nothing'),
  journal: true,
  limit: { refused: 'a backup holds the whole cluster: the primary\'s dataset and every node\'s configuration' },
  // Ctrl-C: nothing is written on the nodes but the BGSAVE; the archive is not written.
  interrupt: 'rollback',
  validate: (options) => checkOut(options.out),
  handler: async (ctx): Handled => (await import('./action.js')).backup(ctx),
});
