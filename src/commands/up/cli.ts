import { setFlagsFromString } from 'node:v8';
import { defineCommand, type Handled } from '../../cli/command.js';
import { wholeNumber, withBreakLock, withKeepRuns } from '../../cli/options.js';

/**
 * up reads every node's files, and at hundreds of nodes every file lists every node: most of what
 * a run allocates is short-lived text, yet V8 by default lets the old generation grow to up to 4x
 * what survived the last full collection before it collects again. Growing by 1.5x instead kept a
 * no-op on 501 simulated nodes at 262-286 MB peak RSS instead of 354-361 MB, for about 120 ms more
 * full-collection pauses over the run; its CPU cost was within the noise of a loaded machine, at
 * most 1-3 ms per node (docs/benchmark.md, "Scale by simulation").
 * The young generation likewise stays at its first size (no doubling as it is scavenged, up to 16 MB
 * a semi-space on Node 20 and 22, more on 24): each phase sends every node's batch at once, and a
 * larger young generation let that burst's garbage pile up before it was collected. A cold up on
 * 501 simulated nodes peaked at 286-296 MB instead of 330-343 MB, at the same CPU (29-36 ms a node).
 * (V8 13 raises a factor below 2 to 2 when it reads its command line; set at run time, 1 holds on
 * Node 20, 22 and 24: the young generation stayed at 2 MB on each.)
 * V8 reads these flags each time it sets the next limit or grows the young generation, so setting
 * them here, before the run, is enough. node:v8 is imported statically: a built-in costs nothing to
 * load, and the single executable (a CommonJS script) has no dynamic import.
 */
function boundHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=50');
  setFlagsFromString('--semi-space-growth-factor=1');
}

export const up = defineCommand({
  name: 'up',
  description: 'configure and start the HA cluster on every node (idempotent; rolls back on failure)',
  docs: 'docs/up-and-plan.md',
  declare: (command) => withKeepRuns(withBreakLock(command))
    .option('--dry-run', 'show what would change, as diffs, and touch nothing (same as plan)')
    .option('--diff', 'also show the diff of every change made (secrets as ***)')
    .option('--wait-transfers <seconds>', 'wait up to this long for transfers in progress to end (default: refuse)', wholeNumber(1, 86_400))
    .option('--wait-timeout <seconds>', 'how long to wait for Redis, replicas and Sentinels to be ready', wholeNumber(1, 3600), 30),
  journal: true,
  whileLeaving: 'allowed',
  limit: { refused: 'up converges the whole cluster: roles, Sentinel quorum and the firewall allow-list depend on every node' },
  interrupt: 'rollback',
  handler: async (ctx): Handled => {
    boundHeapGrowth();
    return (await import('./action.js')).upOrPlan(ctx, ctx.options.dryRun ? 'plan' : 'apply');
  },
});

export const plan = defineCommand({
  name: 'plan',
  description: 'show per node what up would change (unified diffs and commands); touches nothing; --limit shows only those nodes',
  docs: 'docs/up-and-plan.md#plan',
  declare: (command) => command
    .option('--wait-timeout <seconds>', 'readiness timeout the plan assumes', wholeNumber(1, 3600), 30),
  journal: true,
  whileLeaving: 'allowed',
  limit: 'shows',
  interrupt: 'rollback',
  handler: async (ctx): Handled => {
    boundHeapGrowth();
    return (await import('./action.js')).upOrPlan(ctx, 'plan');
  },
});
