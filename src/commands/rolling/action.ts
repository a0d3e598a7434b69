import { runRolling, type RollingResult } from './procedure.js';
import { maxBatch, type RollingKind } from './plan.js';
import { renderRecap } from '../../ui/render.js';
import { UsageError } from '../../util/errors.js';
import type { CommandContext, Outcome, OptionsOf } from '../../cli/command.js';
import { parseServices } from './services.js';
import { procedureOptions } from '../../cli/run-options.js';
import type { restart as restartCommand } from './restart-cli.js';
import type { upgrade as upgradeCommand } from './upgrade-cli.js';

/** restart's and upgrade's options: one procedure runs both. */
export type RollingCliOptions = OptionsOf<typeof restartCommand> & Partial<OptionsOf<typeof upgradeCommand>>;

function describe(result: RollingResult, dryRun: boolean): string {
  if (result.exitCode !== 0 && result.rolled.length === 0) return '';
  const notes = result.notes.map((n) => `  note: ${n}\n`).join('');
  if (dryRun) {
    const order = result.order.map((step, i) => `  ${i + 1}. ${step === 'switchover' ? `switchover to a linked replica not older than ${result.primary} (the newest version, then the largest offset)` : `${step}: ${result.kind === 'upgrade' ? 'run the command, then ' : ''}restart, then wait for its gate`}\n`).join('');
    return `would ${result.kind} in this order:\n${order || '  (no node to do)\n'}${notes}`;
  }
  const lines = result.rolled.map((n) => `  ${n.name} (${n.role}): ${n.status === 'done'
    ? `gate passed after ${n.gateMs} ms; HSTS ${n.versionBefore === n.versionAfter ? n.versionAfter : `${n.versionBefore} -> ${n.versionAfter}`}`
    : `FAILED: ${(n.problems ?? []).join('; ')}`}\n`);
  const switched = result.switchover ? `  switchover ${result.switchover.from} -> ${result.switchover.to}${result.switchover.windowMs !== undefined ? `: writes paused ${result.switchover.windowMs} ms` : ''}\n` : '';
  const idx = result.rolled.findIndex((n) => n.role === 'old primary');
  if (idx >= 0) lines.splice(idx, 0, switched); else lines.push(switched);
  return `${result.kind}:\n${lines.join('')}${notes}${result.stoppedAt ? `  stopped at ${result.stoppedAt}; the nodes after it were not touched\n` : ''}`;
}

export async function rolling(kind: RollingKind, ctx: CommandContext<RollingCliOptions>): Promise<Outcome> {
  const { options, inventory } = ctx;
  const names = inventory.nodes.map((n) => n.name);
  if (options.nodes !== undefined && options.nodes.length === 0) {
    throw new UsageError([{ field: '--nodes', value: '', message: 'names no node', hint: `a comma-separated list of ${names.join(', ')}` }]);
  }
  const strangers = (options.nodes ?? []).filter((n) => !names.includes(n));
  if (strangers.length > 0) {
    throw new UsageError([{ field: '--nodes', value: strangers.join(','), message: 'not a node of the inventory', hint: `any of ${names.join(', ')}` }]);
  }
  const services = parseServices(options.services);
  const batch = options.batch ?? 1;
  const allowed = maxBatch(names.length, inventory.cluster.quorum, services, 0);
  if (batch > Math.max(1, allowed)) {
    throw new UsageError([{ field: '--batch', value: String(batch), message: `at most ${allowed} of ${names.length} nodes may restart at once: the Sentinels left must reach the quorum (${inventory.cluster.quorum}) and a majority`, hint: `--batch ${Math.max(1, allowed)}` }]);
  }
  const dryRun = Boolean(options.dryRun);
  const result = await runRolling(inventory, {
    kind,
    ...(options.nodes !== undefined ? { nodes: options.nodes } : {}),
    services,
    batch,
    ...(options.exec !== undefined ? { exec: options.exec } : {}),
    gateTimeoutMs: (options.gateTimeout ?? 180) * 1000,
    execTimeoutMs: 30 * 60_000,
    ...procedureOptions(ctx),
  });
  return { exitCode: result.exitCode, json: result, stderr: renderRecap(result), stdout: describe(result, dryRun) };
}
