import { defineCommand, type Handled } from '../../cli/command.js';
import { commaList, wholeNumber, withBreakLock } from '../../cli/options.js';
import { UsageError } from '../../util/errors.js';

export const upgrade = defineCommand({
  name: 'upgrade',
  description: "run your upgrade command on each node in the rolling order (replicas, switchover, old primary last), restarting and gating each; stops at the first node that fails",
  docs: 'docs/switchover-and-rolling.md#rolling-restart-and-upgrade',
  declare: (command) => withBreakLock(command)
    .option('--exec <command>', 'the upgrade command, run by bash as root on each node (for example an rpm -Uvh of the new package)')
    .option('--nodes <names>', 'only these nodes, comma-separated (a node in maintenance must be left out this way)', commaList)
    .option('--gate-timeout <seconds>', 'how long an upgraded node may take to pass its gate (default 180)', wholeNumber(1, 3600))
    .option('--dry-run', 'check, show the order of work, and touch nothing'),
  journal: true,
  limit: { refused: 'name the nodes to upgrade with --nodes' },
  interrupt: 'rollback',
  validate: (options) => {
    if (options.exec === undefined || options.exec.trim() === '') {
      throw new UsageError([{ field: '--exec', value: options.exec ?? '(missing)', message: 'the upgrade command is required', hint: "--exec 'rpm -Uvh /tmp/ibm-aspera-hsts-4.4.6.rpm'" }]);
    }
  },
  handler: async (ctx): Handled => (await import('./action.js')).rolling('upgrade', ctx),
});
