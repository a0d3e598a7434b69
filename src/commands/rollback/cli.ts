import { RUN_ID } from '../../remote/state-dir.js';
import { UsageError } from '../../util/errors.js';
import { defineCommand, type Handled } from '../../cli/command.js';
import { withBreakLock } from '../../cli/options.js';

export const rollback = defineCommand({
  name: 'rollback',
  description: 'roll every node back to the snapshot it holds of a run (default: the newest unfinished run, e.g. after the controller died)',
  docs: 'docs/up-and-plan.md#rollback',
  declare: (command) => withBreakLock(command)
    .option('--run <id>', 'the run to undo (see the recap or the journal)'),
  journal: true,
  whileLeaving: 'allowed',
  limit: { refused: 'rollback restores every node that the run changed' },
  // Ctrl-C does not abandon a rollback half done (its remote commands would go on without the lock
  // being released); it is said, and the rollback finishes.
  interrupt: 'finish',
  validate: (options) => {
    if (options.run !== undefined && !RUN_ID.test(options.run)) {
      throw new UsageError([`--run ${options.run}: not a run id (like 20261127T161555Z-ddf0)`]);
    }
  },
  handler: async (ctx): Handled => (await import('./action.js')).rollback(ctx),
});
