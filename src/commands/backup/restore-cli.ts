import { defineCommand, type Handled } from '../../cli/command.js';
import { checkArchivePath } from './args.js';
import { withBreakLock } from '../../cli/options.js';

export const restore = defineCommand({
  name: 'restore',
  description: "put a backup's dataset back into the cluster (the primary takes it, its replicas resync); refuses another cluster's backup, and one its backup key does not verify, unless --force",
  docs: 'docs/backup-restore.md',
  declare: (command) => withBreakLock(command)
    .argument('<file>', 'an archive written by hsts-cluster backup')
    .option('--force', "restore a backup of another cluster (other primary set or node addresses), or one whose HMAC this cluster's backup key does not verify")
    .option('--dry-run', 'check the archive and the cluster, name the steps, and change nothing'),
  journal: true,
  limit: { refused: 'the dataset is the whole cluster\'s: the primary takes it and every replica follows' },
  // Ctrl-C: before the primary is flushed nothing changed; after, the dataset it had is loaded back.
  interrupt: 'rollback',
  validate: (_options, args) => checkArchivePath(args[0]),
  handler: async (ctx): Handled => (await import('./action.js')).restore(ctx),
});
