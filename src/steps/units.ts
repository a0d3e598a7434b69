import { HSTS } from '../hsts/paths.js';
import { renderSentinelUnit, untrustedShippedUnit } from '../hsts/sentinel-unit.js';
import { renderUmaskDropIn, umaskIsPrivate } from '../hsts/umask.js';
import { makeDirectory } from '../remote/files.js';
import { daemonReload, systemctl } from '../remote/systemctl.js';
import { fileChange, fileFact } from './common.js';
import type { Change, PlanContext, Step } from './types.js';

const SENTINEL = 'asperaredissentinel';
const REDIS = 'asperaredisd';
const DROP_IN_DIR = HSTS.redisUmaskDropIn.slice(0, HSTS.redisUmaskDropIn.lastIndexOf('/'));

/**
 * asperaredisd runs with the private umask through a drop-in beside HSTS's own unit, which stays
 * untouched. It restarts nothing: it applies from Redis's next start, which on a first `up` is
 * this run's, and `up` takes the world bits off the file meanwhile.
 */
function redisUmask(ctx: PlanContext, step: string): Change | null {
  const dropIn = fileFact(ctx, HSTS.redisUmaskDropIn);
  const unit = ctx.facts.units.get(REDIS);
  if (dropIn.content === null && unit && umaskIsPrivate(unit.umask)) return null;
  const change = fileChange(step, dropIn, {
    path: HSTS.redisUmaskDropIn, content: renderUmaskDropIn(), owner: 'root', group: 'root', mode: '644',
  }, { summary: `install ${HSTS.redisUmaskDropIn} (applies from asperaredisd's next start)` });
  change?.commands.unshift(makeDirectory(DROP_IN_DIR, { mode: '0755' }));
  return change;
}

/**
 * The shipped asperaredissentinel.service copied to /lib/systemd/system, with the private umask;
 * never from a file others can change (pre-flight refuses it and says why).
 */
function sentinelUnit(ctx: PlanContext, step: string): Change | null {
  const shipped = fileFact(ctx, HSTS.shippedSentinelUnit);
  if (shipped.content === null || untrustedShippedUnit(shipped)) return null;
  return fileChange(step, fileFact(ctx, HSTS.installedSentinelUnit), {
    path: HSTS.installedSentinelUnit, content: renderSentinelUnit(shipped.content.toString('utf8')), owner: 'root', group: 'root', mode: '644',
  }, { summary: `install ${HSTS.installedSentinelUnit}`, restarts: [SENTINEL] });
}

/** The systemd side of the procedure: the Sentinel unit installed and enabled, both daemons' umask private. */
export const units: Step = {
  id: 'units',
  title: 'asperaredissentinel.service installed and enabled, private umasks',
  needs: () => ({ files: [HSTS.shippedSentinelUnit, HSTS.installedSentinelUnit, HSTS.redisUmaskDropIn], units: [SENTINEL, REDIS] }),
  plan(ctx) {
    const changes = [redisUmask(ctx, this.id), sentinelUnit(ctx, this.id)].filter((c): c is Change => c !== null);
    if (ctx.facts.units.get(SENTINEL)?.enabled !== 'enabled' && fileFact(ctx, HSTS.shippedSentinelUnit).content !== null) {
      // systemctl enable reloads systemd itself, after the files above: no daemon-reload of our own.
      changes.push({
        step: this.id,
        summary: `systemctl enable ${SENTINEL}`,
        commands: [systemctl('enable', SENTINEL)],
        touches: [{ kind: 'unit', name: SENTINEL }],
      });
    } else if (changes.length > 0) {
      changes.at(-1)!.commands.push(daemonReload());
    }
    return changes;
  },
};
