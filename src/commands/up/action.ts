import { loadPlaybook } from '../../runner/playbook.js';
import { runPlaybook } from '../../runner/run.js';
import { renderPlan } from '../../ui/render.js';
import type { CommandContext, Outcome, OptionsOf } from '../../cli/command.js';
import { recapOutcome } from '../../cli/recap.js';
import { runOptions } from '../../cli/run-options.js';
import type { plan as planCommand, up as upCommand } from './cli.js';

/** up's options; plan's are a part of them (plan is up --dry-run). */
export type UpOptions = OptionsOf<typeof planCommand> & Partial<OptionsOf<typeof upCommand>>;

export async function upOrPlan(ctx: CommandContext<UpOptions>, mode: 'apply' | 'plan'): Promise<Outcome> {
  const result = await runPlaybook(ctx.inventory, loadPlaybook('up'), {
    ...runOptions(ctx, mode),
    waitTransfersS: ctx.options.waitTransfers ?? 0,
    membership: true,
  });
  // plan --limit: the plan reads every node (roles depend on the whole cluster) and shows the
  // changes of these; the recap still names every node's failure.
  const { only } = ctx;
  const shown = only ? { ...result, nodes: result.nodes.filter((n) => only.has(n.name)) } : result;
  const showPlan = (mode === 'plan' && result.exitCode === 0) || (mode === 'apply' && ctx.options.diff);
  return recapOutcome(result, showPlan ? renderPlan(shown) : '');
}
