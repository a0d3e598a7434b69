import { runSwitchover, type SwitchoverResult } from '../../runner/switchover/procedure.js';
import { renderRecap } from '../../ui/render.js';
import { UsageError } from '../../util/errors.js';
import type { CommandContext, Outcome, OptionsOf } from '../../cli/command.js';
import { procedureOptions } from '../../cli/run-options.js';
import type { switchover as switchoverCommand } from './cli.js';

export type SwitchoverCliOptions = OptionsOf<typeof switchoverCommand>;

function summary(result: SwitchoverResult, dryRun: boolean): string {
  if (result.exitCode !== 0 || !result.from) return '';
  if (result.from === result.to) return `${result.from} is the primary already: nothing to do\n`;
  if (dryRun) return `would switch the primary from ${result.from} to ${result.to}:\n${result.steps.map((s, i) => `  ${i + 1}. ${s}\n`).join('')}`;
  return `switched the primary from ${result.from} to ${result.to}; writes paused ${result.windowMs} ms ` +
    `(until every Sentinel named ${result.to}); replication offset at promotion ${result.offsets?.atPromotion}\n`;
}

export async function switchover(ctx: CommandContext<SwitchoverCliOptions>): Promise<Outcome> {
  const { options, inventory } = ctx;
  const names = inventory.nodes.map((n) => n.name);
  if (options.to !== undefined && !names.includes(options.to)) {
    throw new UsageError([{ field: '--to', value: options.to, message: 'not a node of the inventory', hint: `one of ${names.join(', ')}` }]);
  }
  const dryRun = Boolean(options.dryRun);
  const result = await runSwitchover(inventory, {
    ...(options.to !== undefined ? { to: options.to } : {}),
    ...procedureOptions(ctx),
  });
  return { exitCode: result.exitCode, json: result, stderr: renderRecap(result), stdout: summary(result, dryRun) };
}
