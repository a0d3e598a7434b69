import type { ClusterHealth } from './health.js';
import { clusterStatus } from './procedure.js';
import { closeSessions, openSessions } from '../../runner/sessions.js';
import { renderPrometheus } from './prometheus.js';
import { renderStatus } from './render.js';
import { EXIT } from '../../util/errors.js';
import type { CommandContext, Outcome, OptionsOf } from '../../cli/command.js';
import { sleeper } from '../../cli/interrupt.js';
import type { status as statusCommand } from './cli.js';

export type StatusOptions = OptionsOf<typeof statusCommand>;

/** --limit: the rows of those nodes, their reasons and the cluster-wide ones; the verdict stays the cluster's. */
function onlyNodes(health: ClusterHealth, only: Set<string> | undefined): ClusterHealth {
  if (!only) return health;
  const all = new Set(health.nodes.map((n) => n.name));
  const about = (reason: string) => (reason.split(': ')[0] ?? '').split(', ').filter((name) => all.has(name));
  return {
    ...health,
    nodes: health.nodes.filter((n) => only.has(n.name)),
    maintenance: health.maintenance.filter((m) => only.has(m.node)),
    reasons: health.reasons.filter((r) => about(r).length === 0 || about(r).some((name) => only.has(name))),
  };
}

/** One outcome per round: one without --watch, one every N seconds with it until Ctrl-C. */
export async function* status(ctx: CommandContext<StatusOptions>): AsyncGenerator<Outcome> {
  const { inventory, options, signal } = ctx;
  const { sessions, failures } = await openSessions(inventory, { policy: ctx.connection.hostKeys, forks: ctx.connection.forks });
  const pause = sleeper(signal);
  try {
    for (;;) {
      const health = onlyNodes(await clusterStatus(inventory, sessions, failures), ctx.only);
      if (options.format === 'prometheus') {
        // The verdict is in the metrics; exit 0 lets `status --format prometheus > f.tmp && mv` replace the file.
        yield { exitCode: EXIT.ok, json: health, stdout: renderPrometheus(health, { cluster: inventory.cluster.primarySet, time: Math.round(Date.now() / 1000) }) };
        return;
      }
      const stamp = options.watch ? `\n${new Date().toISOString()}\n` : '';
      yield { exitCode: health.verdict === 'healthy' ? EXIT.ok : EXIT.failed, json: health, stdout: stamp + renderStatus(health) };
      if (!options.watch || signal.aborted) return;
      await pause.sleep(options.watch * 1000);
      if (signal.aborted) return;
    }
  } finally {
    pause.dispose();
    closeSessions(sessions);
  }
}
