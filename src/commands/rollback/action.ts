import { runRollback } from './procedure.js';
import type { CommandContext, Outcome, OptionsOf } from '../../cli/command.js';
import { progressFor } from '../../cli/load.js';
import { recapOutcome } from '../../cli/recap.js';
import type { rollback as rollbackCommand } from './cli.js';

export type RollbackOptions = OptionsOf<typeof rollbackCommand>;

export async function rollback(ctx: CommandContext<RollbackOptions>): Promise<Outcome> {
  const { options } = ctx;
  const result = await runRollback(ctx.inventory, {
    ...(options.run ? { run: options.run } : {}),
    ...ctx.connection,
    breakLock: Boolean(options.breakLock),
    commandTimeoutMs: 120_000,
    journalDir: ctx.journalDir,
    progress: progressFor(options),
    log: ctx.log,
  });
  return recapOutcome(result);
}
