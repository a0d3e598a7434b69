import type { ClusterHealth } from '../../hsts/health.js';
import { clusterStatus } from '../../runner/status.js';
import { closeSessions, openSessions } from '../../runner/sessions.js';
import { renderJson } from '../../ui/render.js';
import { renderStatus } from '../../ui/status.js';
import { EXIT } from '../../util/errors.js';
import { limitedNodes, load } from '../load.js';
import { interruptSignal, type CommonOptions } from '../options.js';

export interface StatusOptions extends CommonOptions {
  watch?: number;
}

/** --limit: the rows of those nodes, their reasons and the cluster-wide ones; the verdict stays the cluster's. */
function onlyNodes(health: ClusterHealth, only: Set<string> | undefined): ClusterHealth {
  if (!only) return health;
  const all = new Set(health.nodes.map((n) => n.name));
  const about = (reason: string) => (reason.split(': ')[0] ?? '').split(', ').filter((name) => all.has(name));
  return {
    ...health,
    nodes: health.nodes.filter((n) => only.has(n.name)),
    reasons: health.reasons.filter((r) => about(r).length === 0 || about(r).some((name) => only.has(name))),
  };
}

export async function status(options: StatusOptions, setExit: (code: number) => void): Promise<void> {
  const inventory = load(options, false);
  const only = limitedNodes(options, inventory);
  const { sessions, failures } = await openSessions(inventory, {
    policy: options.acceptNewHostKeys ? 'accept-new' : 'strict',
    forks: options.forks ?? inventory.nodes.length,
  });
  const interrupt = interruptSignal();
  try {
    for (;;) {
      const health = onlyNodes(await clusterStatus(inventory, sessions, failures), only);
      if (options.json) process.stdout.write(renderJson(health));
      else process.stdout.write(`${options.watch ? `\n${new Date().toISOString()}\n` : ''}${renderStatus(health)}`);
      setExit(health.verdict === 'healthy' ? EXIT.ok : EXIT.failed);
      if (!options.watch || interrupt.signal.aborted) break;
      await new Promise((r) => { const t = setTimeout(r, options.watch! * 1000); interrupt.signal.addEventListener('abort', () => { clearTimeout(t); r(undefined); }); });
      if (interrupt.signal.aborted) break;
    }
  } finally {
    interrupt.dispose();
    closeSessions(sessions);
  }
}
