import type { RunOptions } from '../../runner/run.js';
import type { CommandContext } from '../command.js';
import { progressFor } from '../load.js';
import type { CommonOptions } from '../options.js';

/** The runner options every applying command shares, from the common flags and the wrapper's context. */
export function runOptions(
  ctx: CommandContext<CommonOptions & { waitTimeout?: number; breakLock?: boolean }>,
  mode: RunOptions['mode'],
): RunOptions {
  const { options } = ctx;
  const waitTimeout = options.waitTimeout ?? 30;
  return {
    mode,
    ...ctx.connection,
    waitTransfersS: 0,
    waitTimeoutMs: waitTimeout * 1000,
    commandTimeoutMs: Math.max(120_000, waitTimeout * 4000),
    breakLock: Boolean(options.breakLock),
    verbose: Boolean(options.verbose),
    journalDir: ctx.journalDir,
    progress: progressFor(options),
    log: ctx.log,
    abort: ctx.signal,
  };
}
