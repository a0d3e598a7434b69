import type { Command } from 'commander';
import type { VerifyOptions } from './actions/verify.js';
import { withCommonOptions } from './options.js';

export function registerVerify(program: Command, setExit: (code: number) => void): void {
  withCommonOptions(program.command('verify'))
    .description("the specification's tests: --replication (default), --failover, --failback")
    .option('--replication', 'a throw-away Node API user: created on one node, listed from another, deleted from a third, gone from the first')
    .option('--failover', 'make the primary unavailable and measure until every Sentinel names a new one (disrupts writes briefly)')
    .option('--failback', "afterwards hand the primary role back to the inventory's primary")
    .action(async (options: VerifyOptions) => (await import('./actions/verify.js')).verify(options, setExit));
}
