import type { Command } from 'commander';
import { UsageError } from '../util/errors.js';
import type { RollbackOptions } from './actions/rollback.js';
import { withCommonOptions } from './options.js';

export function registerRollback(program: Command, setExit: (code: number) => void): void {
  withCommonOptions(program.command('rollback'))
    .description('restore every node from the snapshots it holds of a run (default: the newest unfinished run, e.g. after the controller died)')
    .option('--run <id>', 'the run to undo (see the recap or the journal)')
    .option('--break-lock', 'take the run lock even if another run holds it')
    .action(async (options: RollbackOptions) => {
      if (options.run !== undefined && !/^[0-9TZ]+-[0-9a-f]{4}$/.test(options.run)) {
        throw new UsageError([`--run ${options.run}: not a run id (like 20261127T161555Z-ddf0)`]);
      }
      setExit(await (await import('./actions/rollback.js')).rollback(options));
    });
}
