import { keptStopped, parseMaintenanceMark, type MaintenanceRead } from '../hsts/maintenance.js';
import { HSTS, SERVICES, STOP_ORDER, type Service } from '../hsts/paths.js';
import type { Change, PlanContext, Step } from './types.js';
import { setSyncDelay, waitForRedis, waitForReplicaLink } from '../remote/readiness.js';
import { systemctl } from '../remote/systemctl.js';
import { redisOf } from '../remote/redis-cli.js';

const isActive = (ctx: PlanContext, service: string) => ctx.facts.units.get(service)?.active === 'active';

/** The node's maintenance mark, from its file fact (steps that read it list HSTS.maintenanceFile in `needs`). */
export function maintenanceOf(ctx: PlanContext): MaintenanceRead {
  const content = ctx.facts.files.get(HSTS.maintenanceFile)?.content;
  return content ? parseMaintenanceMark(content.toString('utf8')) : { state: 'none' };
}

/** Services this node must stop: those whose configuration changes, and Sentinel while failover is held. */
export function servicesToStop(ctx: PlanContext): Service[] {
  const restarts = new Set(ctx.planned.flatMap((change) => change.restarts ?? []));
  if (ctx.holdFailover) restarts.add('asperaredissentinel');
  return STOP_ORDER.filter((service) => restarts.has(service) && isActive(ctx, service));
}

/**
 * Whether this run starts Redis on the primary: then its start sets repl-diskless-sync-delay to 0 at
 * run time (see setSyncDelay), and the verify step's readiness checks set it back.
 */
export function startsPrimaryRedis(ctx: PlanContext): boolean {
  return ctx.roles.primary === ctx.node &&
    ctx.planned.some((c) => c.step === 'start-services' && c.touches.some((t) => t.kind === 'unit' && t.name === 'asperaredisd'));
}

/** Stop only what a later step changes (a no-op run stops nothing). */
export const stopServices: Step = {
  id: 'stop-services',
  title: 'Stop the services whose configuration changes',
  derived: true,
  needs: () => ({ units: [...SERVICES] }),
  plan(ctx) {
    const stop = servicesToStop(ctx);
    if (stop.length === 0) return [];
    return [{
      step: this.id,
      summary: `stop ${stop.join(', ')}`,
      commands: stop.map((service) => systemctl('stop', service)),
      touches: stop.map((name) => ({ kind: 'unit' as const, name })),
    }];
  },
};

/**
 * Start in the procedure's order; Redis must answer before the others start, a replica must link up.
 * A node in maintenance keeps the services `maintenance on` stopped stopped: `up` never undoes it.
 */
export const startServices: Step = {
  id: 'start-services',
  title: 'Start the services (primary first)',
  derived: true,
  needs: () => ({ units: [...SERVICES], files: [HSTS.maintenanceFile] }),
  plan(ctx) {
    const stopped = new Set(servicesToStop(ctx));
    const kept = keptStopped(maintenanceOf(ctx));
    const start = SERVICES.filter((service) => !kept.has(service) && (stopped.has(service) || !isActive(ctx, service)));
    const enable = SERVICES.filter((service) =>
      service !== 'asperaredissentinel' && !['enabled', 'static'].includes(ctx.facts.units.get(service)?.enabled ?? ''));
    if (start.length === 0 && enable.length === 0) return [];
    const { cluster } = ctx.inventory;
    const wait = { timeoutMs: ctx.options.waitTimeoutMs };
    const redis = redisOf(cluster, ctx.node);
    const isPrimary = ctx.roles.primary === ctx.node;
    const commands: Change['commands'] = enable.map((s) => systemctl('enable', s));
    for (const service of start) {
      commands.push(systemctl('start', service));
      if (service !== 'asperaredisd') continue;
      commands.push(waitForRedis(redis, wait));
      if (isPrimary) commands.push(setSyncDelay(redis, '0', 'replicas sync at once'));
    }
    if (start.includes('asperaredisd') && !isPrimary) {
      commands.push(waitForReplicaLink(redis, ctx.roles.primary.privateIp, wait));
    }
    return [{
      step: this.id,
      summary: [start.length ? `start ${start.join(', ')}` : '', enable.length ? `enable ${enable.join(', ')}` : '']
        .filter(Boolean).join('; '),
      commands,
      touches: [...new Set([...start, ...enable])].map((name) => ({ kind: 'unit' as const, name })),
    }];
  },
};
