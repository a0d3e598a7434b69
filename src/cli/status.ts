import type { StatusOptions } from './actions/status.js';
import { defineCommand } from './command.js';
import { wholeNumber } from './options.js';

export const status = defineCommand<StatusOptions>({
  name: 'status',
  description: 'per node: services, Redis role and link, lag, what each Sentinel says, quorum, asperanoded; then a verdict (exit 0 only when healthy)',
  declare: (command) => command
    .option('--watch <seconds>', 'repeat every N seconds until Ctrl-C', wholeNumber(1, 3600)),
  journal: false,
  limit: 'shows',
  interrupt: 'stop',
  handler: async (ctx) => (await import('./actions/status.js')).status(ctx),
});
