import type { ProcedureOptions } from '../runner/engine/procedure-run.js';
import type { RunOptions } from '../runner/run.js';
import type { CommandContext } from './command.js';
import { progressFor } from './load.js';
import type { CommonOptions } from './options.js';

/** The runner options every applying command shares, from the common flags and the wrapper's context. */
export function runOptions(
  ctx: CommandContext<CommonOptions & { waitTimeout?: number; breakLock?: boolean; keepRuns?: number }>,
  mode: RunOptions['mode'],
): RunOptions {
  const { options } = ctx;
  const waitTimeout = options.waitTimeout ?? 30;
  return {
    mode,
    ...ctx.connection,
    waitTransfersS: 0,
    // Only up converges membership; it says so over this.
    membership: false,
    waitTimeoutMs: waitTimeout * 1000,
    commandTimeoutMs: Math.max(120_000, waitTimeout * 4000),
    breakLock: Boolean(options.breakLock),
    ...(options.keepRuns !== undefined ? { keepRuns: options.keepRuns } : {}),
    verbose: Boolean(options.verbose),
    journalDir: ctx.journalDir,
    progress: progressFor(options),
    log: ctx.log,
    abort: ctx.signal,
  };
}

/**
 * What every procedure built beside the engine (switchover, maintenance, restart, upgrade,
 * rotate-password, backup, restore) takes from the wrapper: connection, lock, Ctrl-C, journal, output.
 */
export function procedureOptions(ctx: CommandContext<CommonOptions & { breakLock?: boolean; dryRun?: boolean }>): ProcedureOptions & { verbose: boolean } {
  const { options } = ctx;
  return {
    mode: options.dryRun ? 'plan' : 'apply',
    ...ctx.connection,
    breakLock: Boolean(options.breakLock),
    abort: ctx.signal,
    journalDir: ctx.journalDir,
    progress: progressFor(options),
    log: ctx.log,
    verbose: Boolean(options.verbose),
  };
}
