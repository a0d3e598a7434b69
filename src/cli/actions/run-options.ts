import type { Inventory } from '../../inventory/load.js';
import type { RunOptions } from '../../runner/run.js';
import { log, type CommonOptions } from '../options.js';
import { journalDir, progressFor } from '../load.js';

/** The runner options every applying command shares, from the common flags. */
export function runOptions(
  options: CommonOptions & { waitTimeout?: number; breakLock?: boolean },
  inventory: Inventory,
  mode: RunOptions['mode'],
  abort: AbortSignal,
): RunOptions {
  const waitTimeout = options.waitTimeout ?? 30;
  return {
    mode,
    forks: options.forks ?? inventory.nodes.length,
    hostKeys: options.acceptNewHostKeys ? 'accept-new' : 'strict',
    waitTransfersS: 0,
    waitTimeoutMs: waitTimeout * 1000,
    commandTimeoutMs: Math.max(120_000, waitTimeout * 4000),
    breakLock: Boolean(options.breakLock),
    verbose: Boolean(options.verbose),
    journalDir: journalDir(options, inventory),
    progress: progressFor(options),
    log,
    abort,
  };
}

