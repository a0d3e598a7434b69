import type { Command } from 'commander';
import { recoverRun } from '../runner/recover.js';
import { renderJson, renderRecap } from '../ui/render.js';
import { UsageError } from '../util/errors.js';
import { journalDir, load, log, progressFor, withCommonOptions, type CommonOptions } from './options.js';

interface RollbackOptions extends CommonOptions {
  run?: string;
  breakLock?: boolean;
}

export function registerRollback(program: Command, setExit: (code: number) => void): void {
  withCommonOptions(program.command('rollback'))
    .description('restore every node from the snapshots it holds of a run (default: the newest unfinished run, e.g. after the controller died)')
    .option('--run <id>', 'the run to undo (see the recap or the journal)')
    .option('--break-lock', 'take the run lock even if another run holds it')
    .action(async (options: RollbackOptions) => {
      if (options.run !== undefined && !/^[0-9TZ]+-[0-9a-f]{4}$/.test(options.run)) {
        throw new UsageError([`--run ${options.run}: not a run id (like 20261127T161555Z-ddf0)`]);
      }
      const inventory = load(options);
      const result = await recoverRun(inventory, {
        ...(options.run ? { run: options.run } : {}),
        forks: options.forks ?? inventory.nodes.length,
        hostKeys: options.acceptNewHostKeys ? 'accept-new' : 'strict',
        breakLock: Boolean(options.breakLock),
        commandTimeoutMs: 120_000,
        journalDir: journalDir(options, inventory),
        progress: progressFor(options),
        log,
      });
      process.stderr.write(renderRecap(result));
      if (options.json) process.stdout.write(renderJson(result));
      setExit(result.exitCode);
    });
}
