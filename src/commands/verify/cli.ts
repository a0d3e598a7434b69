import { defineCommand, type Handled } from '../../cli/command.js';

export const verify = defineCommand({
  name: 'verify',
  description: "the specification's tests: --replication (default), --failover, --failback",
  docs: 'docs/day-2.md#verify',
  declare: (command) => command
    .option('--replication', 'a throw-away Node API user: created on one node, listed from another, deleted from a third, gone from the first')
    .option('--failover', 'make the primary unavailable and measure until every Sentinel names a new one (disrupts writes briefly)')
    .option('--failback', "afterwards hand the primary role back to the inventory's primary"),
  journal: false,
  limit: { refused: 'the replication test needs several nodes (a user created on one is read on another)' },
  // An interrupted failback puts back the replica-priority it lowered before the process ends.
  interrupt: 'rollback',
  handler: async (ctx): Handled => (await import('./action.js')).verify(ctx),
});
