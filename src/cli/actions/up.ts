import { loadPlaybook } from '../../runner/playbook.js';
import { runPlaybook } from '../../runner/run.js';
import { renderJson, renderPlan, renderRecap } from '../../ui/render.js';
import { limitedNodes, load } from '../load.js';
import { interruptSignal, type CommonOptions } from '../options.js';
import { runOptions } from './run-options.js';

export interface UpOptions extends CommonOptions {
  dryRun?: boolean;
  diff?: boolean;
  waitTransfers?: number;
  waitTimeout: number;
  breakLock?: boolean;
}

export async function upOrPlan(options: UpOptions, mode: 'apply' | 'plan'): Promise<number> {
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
