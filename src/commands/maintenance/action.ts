import { describeMark } from '../../hsts/maintenance.js';
import { runMaintenance, type MaintenanceResult } from './procedure.js';
import { renderRecap } from '../../ui/render.js';
import { UsageError } from '../../util/errors.js';
import type { CommandContext, Outcome, OptionsOf } from '../../cli/command.js';
import { procedureOptions } from '../../cli/run-options.js';
import type { maintenance as maintenanceCommand } from './cli.js';

export type MaintenanceCliOptions = OptionsOf<typeof maintenanceCommand>;

function summary(r: MaintenanceResult, dryRun: boolean): string {
  if (r.exitCode !== 0) return '';
  if (r.already) return r.action === 'on' ? `${r.node} is ${describeMark(r.mark!)} already: nothing to do\n` : `${r.node} is not in maintenance: nothing to do\n`;
  const steps = r.steps.map((s, i) => `  ${i + 1}. ${s}\n`).join('');
  if (dryRun) return `would ${r.action === 'on' ? 'put' : 'bring'} ${r.node} ${r.action === 'on' ? 'in maintenance' : 'back in service'}:\n${steps}`;
  return r.action === 'on' ? `${r.node} is ${describeMark(r.mark!)}\n` : `${r.node} is back in service (checked)\n`;
}

export async function maintenance(ctx: CommandContext<MaintenanceCliOptions>): Promise<Outcome> {
  const { options, inventory, args } = ctx;
  const [action, node] = args as ['on' | 'off', string];
  const names = inventory.nodes.map((n) => n.name);
  const problems = [];
  if (!names.includes(node)) problems.push({ field: 'NODE', value: node, message: 'not a node of the inventory', hint: `one of ${names.join(', ')}` });
  if (action === 'off') {
    for (const [flag, given] of [['--message', options.message], ['--stop-services', options.stopServices], ['--wait-transfers', options.waitTransfers]] as const) {
      if (given !== undefined) problems.push({ field: flag, message: 'only for maintenance on', hint: 'off starts what on stopped and puts back what its mark saved' });
    }
  }
  if (problems.length) throw new UsageError(problems);
  const dryRun = Boolean(options.dryRun);
  const result = await runMaintenance(inventory, {
    action,
    node,
    message: options.message ?? '',
    stopServices: Boolean(options.stopServices),
    waitTransfersS: options.waitTransfers ?? 0,
    ...procedureOptions(ctx),
  });
  return { exitCode: result.exitCode, json: result, stderr: renderRecap(result), stdout: summary(result, dryRun) };
}
