import type { Command } from 'commander';
import type { StatusOptions } from './actions/status.js';
import { wholeNumber, withCommonOptions } from './options.js';

export function registerStatus(program: Command, setExit: (code: number) => void): void {
  withCommonOptions(program.command('status'))
    .description('per node: services, Redis role and link, lag, what each Sentinel says, quorum, asperanoded; then a verdict (exit 0 only when healthy)')
    .option('--watch <seconds>', 'repeat every N seconds until Ctrl-C', wholeNumber(1, 3600))
    .action(async (options: StatusOptions) => (await import('./actions/status.js')).status(options, setExit));
}
