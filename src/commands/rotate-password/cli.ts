import { newPasswordSource } from './new-password.js';
import { defineCommand, type Handled } from '../../cli/command.js';
import { refuseAnsibleInventory } from '../../cli/native-only.js';
import { withBreakLock } from '../../cli/options.js';

export const rotatePassword = defineCommand({
  name: 'rotate-password',
  description: 'change the Redis password everywhere with no downtime (both passwords accepted while clients move); the inventory then refers to the new one',
  docs: 'docs/rotate-password.md',
  declare: (command) => withBreakLock(command)
    .option('--new-password-env <name>', 'the environment variable holding the new password')
    .option('--new-password-file <file>', 'the file holding the new password (one line)')
    .option('--dry-run', 'check, show the stages, and touch nothing'),
  journal: true,
  limit: { refused: 'every Redis, Sentinel and keystore of the cluster must move to the new password together' },
  // Ctrl-C: the stages reached run the other way, back to the old password everywhere.
  interrupt: 'rollback',
  validate: (options) => {
    newPasswordSource(options);
    refuseAnsibleInventory(options, 'rotate-password', 'convert it first (hsts-cluster inventory convert -i FILE --output inventory.json) and rotate with the native inventory');
  },
  handler: async (ctx): Handled => (await import('./action.js')).rotatePassword(ctx),
});
