import type { Command } from 'commander';
import { loadPlaybook } from '../runner/playbook.js';
import { runPlaybook } from '../runner/run.js';
import { renderJson, renderPlan, renderRecap } from '../ui/render.js';
import { interruptSignal, limitedNodes, load, wholeNumber, withCommonOptions, type CommonOptions } from './options.js';
import { runOptions } from './run-options.js';

interface UpOptions extends CommonOptions {
  dryRun?: boolean;
  diff?: boolean;
  waitTransfers?: number;
  waitTimeout: number;
  breakLock?: boolean;
}

async function upOrPlan(options: UpOptions, mode: 'apply' | 'plan'): Promise<number> {
  const inventory = load(options);
  const only = limitedNodes(options, inventory);
  const playbook = loadPlaybook('up');
  const interrupt = interruptSignal();
  try {
    const result = await runPlaybook(inventory, playbook, {
      ...runOptions(options, inventory, mode, interrupt.signal),
      waitTransfersS: options.waitTransfers ?? 0,
    });
    // plan --limit: the plan reads every node (roles depend on the whole cluster) and shows the
    // changes of these; the recap still names every node's failure.
    const shown = only ? { ...result, nodes: result.nodes.filter((n) => only.has(n.name)) } : result;
    if ((mode === 'plan' && result.exitCode === 0) || (mode === 'apply' && options.diff)) process.stderr.write(renderPlan(shown));
    process.stderr.write(renderRecap(result));
    if (options.json) process.stdout.write(renderJson(result));
    return result.exitCode;
  } finally {
    interrupt.dispose();
  }
}

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
