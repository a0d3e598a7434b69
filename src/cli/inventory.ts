import { UsageError } from '../util/errors.js';
import { defineCommand } from './command.js';
import type { CommonOptions } from './options.js';

export const inventory = defineCommand<CommonOptions>({
  name: 'inventory',
  description: 'inventory check: validate the inventory (JSON or YAML: types, rules, secrets, key files, known_hosts) without connecting; exit 2 listing every problem',
  declare: (command) => command.argument('<action>', 'check'),
  journal: false,
  limit: { refused: 'inventory check validates the whole inventory' },
  validate: (_options, args) => {
    if (args[0] !== 'check') throw new UsageError([{ field: 'inventory', value: args[0], message: 'the only action is "check"', hint: 'hsts-cluster inventory check -i FILE' }]);
  },
  handler: async (ctx) => (await import('./actions/inventory.js')).checkInventory(ctx),
});
