import { Argument } from 'commander';
import { defineCommand } from './command.js';
import type { CommonOptions } from './options.js';

export const inventory = defineCommand<CommonOptions>({
  name: 'inventory',
  description: 'inventory check: validate the inventory (JSON or YAML: types, rules, secrets, key files, known_hosts) without connecting; exit 2 listing every problem',
  declare: (command) => command.addArgument(new Argument('<action>', 'check').choices(['check'])),
  journal: false,
  limit: { refused: 'inventory check validates the whole inventory' },
  handler: async (ctx) => (await import('./actions/inventory.js')).checkInventory(ctx),
});
