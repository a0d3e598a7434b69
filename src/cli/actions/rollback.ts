import { recoverRun } from '../../runner/recover.js';
import { renderJson, renderRecap } from '../../ui/render.js';
import { journalDir, load, progressFor } from '../load.js';
import { log, type CommonOptions } from '../options.js';

export interface RollbackOptions extends CommonOptions {
  run?: string;
  breakLock?: boolean;
}

export async function rollback(options: RollbackOptions): Promise<number> {
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
  return result.exitCode;
}
