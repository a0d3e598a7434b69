import type { Command } from 'commander';
import type { UpOptions } from './actions/up.js';
import { wholeNumber, withCommonOptions } from './options.js';

const upOrPlan = async (options: UpOptions, mode: 'apply' | 'plan') => (await import('./actions/up.js')).upOrPlan(options, mode);

export function registerUp(program: Command, setExit: (code: number) => void): void {
  withCommonOptions(program.command('up'))
    .description('configure and start the HA cluster on every node (idempotent; rolls back on failure)')
    .option('--dry-run', 'show what would change, as diffs, and touch nothing (same as plan)')
    .option('--diff', 'also show the diff of every change made (secrets as ***)')
    .option('--wait-transfers <seconds>', 'wait up to this long for transfers in progress to end (default: refuse)', wholeNumber(1, 86_400))
    .option('--wait-timeout <seconds>', 'how long to wait for Redis, replicas and Sentinels to be ready', wholeNumber(1, 3600), 30)
    .option('--break-lock', 'remove a run lock left by a run whose controller is gone')
    .action(async (options: UpOptions) => setExit(await upOrPlan(options, options.dryRun ? 'plan' : 'apply')));

  withCommonOptions(program.command('plan'))
    .description('show per node what up would change (unified diffs and commands); touches nothing; --limit shows only those nodes')
    .option('--wait-timeout <seconds>', 'readiness timeout the plan assumes', wholeNumber(1, 3600), 30)
    .action(async (options: UpOptions) => setExit(await upOrPlan(options, 'plan')));
}
