import { InvalidArgumentError } from 'commander';
import { defineCommand, type Handled } from '../../cli/command.js';
import { wholeNumber, withBreakLock } from '../../cli/options.js';

function onOrOff(value: string): string {
  if (value !== 'on' && value !== 'off') throw new InvalidArgumentError(`"${value}" must be on or off`);
  return value;
}

export const maintenance = defineCommand({
  name: 'maintenance',
  description: 'take a replica out of service (never promoted, transfers drained, HSTS daemons stopped if asked) or bring it back and check it',
  docs: 'docs/maintenance.md',
  declare: (command) => withBreakLock(command)
    .argument('<on|off>', 'on: into maintenance; off: back in service', onOrOff)
    .argument('<node>', 'the node (a replica: move the primary away first with switchover)')
    .option('--message <text>', 'why, shown by status (on)')
    .option('--stop-services', 'also stop asperanoded and asperarund on the node (on); off starts them again')
    .option('--wait-transfers <seconds>', 'wait up to this long for transfers on the node to end (on; default: refuse while they run)', wholeNumber(1, 86_400))
    .option('--dry-run', 'check, show the steps, and touch nothing'),
  journal: true,
  limit: { refused: 'name the node as the argument: maintenance on|off NODE' },
  // Ctrl-C: what the run changed is put back (on: the node back in service; off: back in maintenance).
  interrupt: 'rollback',
  handler: async (ctx): Handled => (await import('./action.js')).maintenance(ctx),
});
