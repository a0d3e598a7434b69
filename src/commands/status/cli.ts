import { Option } from '@commander-js/extra-typings';
import { UsageError } from '../../util/errors.js';
import { defineCommand, type Handled } from '../../cli/command.js';
import { wholeNumber } from '../../cli/options.js';

export const status = defineCommand({
  name: 'status',
  description: 'per node: services, Redis role and link, lag, what each Sentinel says, quorum, asperanoded; then a verdict (exit 0 only when healthy)',
  docs: 'docs/day-2.md#status',
  declare: (command) => command
    .option('--watch <seconds>', 'repeat every N seconds until Ctrl-C', wholeNumber(1, 3600))
    .addOption(new Option('--format <format>', 'text (default), or prometheus: text exposition for node_exporter\'s textfile collector (exit 0 whenever the metrics are printed)').choices(['text', 'prometheus'])),
  journal: false,
  whileLeaving: 'allowed',
  limit: 'shows',
  interrupt: 'stop',
  validate: (options) => {
    if (options.format !== 'prometheus') return;
    if (options.watch !== undefined) throw new UsageError([{ field: '--watch', message: 'does not go with --format prometheus (one exposition per file)', hint: 'run status --format prometheus from a timer, writing FILE.prom.tmp then renaming it to FILE.prom' }]);
    if (options.json) throw new UsageError([{ field: '--json', message: 'does not go with --format prometheus', hint: 'choose one: --json for the whole report, --format prometheus for metrics' }]);
  },
  handler: async (ctx): Handled => (await import('./action.js')).status(ctx),
});
