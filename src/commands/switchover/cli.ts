import { defineCommand, type Handled } from '../../cli/command.js';
import { withBreakLock } from '../../cli/options.js';

export const switchover = defineCommand({
  name: 'switchover',
  description: 'hand the primary role to a replica with no acknowledged write lost (writes pause briefly); reports the pause',
  docs: 'docs/switchover-and-rolling.md#switchover',
  declare: (command) => withBreakLock(command)
    .option('--to <node>', 'the replica to promote (default: the linked replica with the largest replication offset)')
    .option('--dry-run', 'check, show the chosen target and the steps, and touch nothing'),
  journal: true,
  limit: { refused: 'a switchover involves the primary, the target and every Sentinel; name the target with --to' },
  // Ctrl-C: writes resume on the old primary and replica-priorities are put back; once Sentinel was
  // asked to fail over, the switch is finished instead (stopping halfway would leave two primaries).
  interrupt: 'rollback',
  handler: async (ctx): Handled => (await import('./action.js')).switchover(ctx),
});
