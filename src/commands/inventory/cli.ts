import { Argument, Option } from '@commander-js/extra-typings';
import { existsSync } from 'node:fs';
import { UsageError } from '../../util/errors.js';
import { defineCommand, type Handled } from '../../cli/command.js';

export const inventory = defineCommand({
  name: 'inventory',
  description: 'inventory check: validate the inventory (JSON, YAML or Ansible: types, rules, secrets, key files, known_hosts) without connecting; exit 2 listing every problem. inventory convert: write the native inventory an Ansible inventory stands for (checked the same way)',
  docs: 'docs/inventory.md',
  declare: (command) => command
    .addArgument(new Argument('<action>', 'check or convert').choices(['check', 'convert']))
    .addOption(new Option('--format <format>', 'convert: the native inventory as json (default) or yaml').choices(['json', 'yaml']))
    .option('--output <file>', 'convert: write the inventory to FILE (default: stdout); an existing FILE is refused without --force')
    .option('--force', 'convert: replace an existing --output file'),
  journal: false,
  limit: { refused: 'inventory check validates the whole inventory' },
  validate: (options, [action]) => {
    if (action !== 'convert') {
      const given = (['format', 'output', 'force'] as const).find((o) => options[o] !== undefined);
      if (given) throw new UsageError([{ field: `--${given}`, message: 'applies to inventory convert only' }]);
      return;
    }
    if (options.force && options.output === undefined) throw new UsageError([{ field: '--force', message: 'needs --output FILE (stdout is never clobbered)' }]);
    if (options.output !== undefined && existsSync(options.output) && !options.force) {
      throw new UsageError([{ field: '--output', value: options.output, message: 'exists: inventory convert does not replace a file', hint: 'choose another name, or add --force to replace it' }]);
    }
  },
  handler: async (ctx): Handled => {
    const actions = await import('./action.js');
    return ctx.args[0] === 'convert' ? actions.convertInventory(ctx) : actions.checkInventory(ctx);
  },
});
