import { SERVICES } from '../../hsts/paths.js';
import { defineCommand, type Handled } from '../../cli/command.js';
import { commaList, wholeNumber, withBreakLock } from '../../cli/options.js';
import { parseServices } from './services.js';


export const restart = defineCommand({
  name: 'restart',
  description: 'rolling restart of the HSTS services: replicas one at a time, each gated, then a switchover, then the old primary',
  docs: 'docs/switchover-and-rolling.md#rolling-restart-and-upgrade',
  declare: (command) => withBreakLock(command)
    .option('--nodes <names>', 'only these nodes, comma-separated (default: every node; the primary, when named, goes last after a switchover)', commaList)
    .option('--services <names>', `only these services, comma-separated (default: ${SERVICES.join(',')})`, commaList)
    .option('--batch <n>', 'replicas restarted at once, where the Sentinels left keep the quorum and a majority (default 1)', wholeNumber(1, 1000))
    .option('--gate-timeout <seconds>', 'how long a restarted node may take to pass its gate (default 180)', wholeNumber(1, 3600))
    .option('--dry-run', 'check, show the order of work, and touch nothing'),
  journal: true,
  limit: { refused: 'name the nodes to restart with --nodes' },
  // Ctrl-C: the node being restarted finishes and passes its gate, then the run stops (the
  // switchover, if under way, puts back what it changed or finishes as it always does).
  interrupt: 'rollback',
  validate: (options) => { parseServices(options.services); },
  handler: async (ctx): Handled => (await import('./action.js')).rolling('restart', ctx),
});
