import { HSTS } from '../hsts/paths.js';
import { renderUmaskDropIn, umaskIsPrivate } from '../hsts/umask.js';
import { shq } from '../ssh/shell.js';
import { fileChange, fileFact } from './common.js';
import type { Step } from './types.js';

const UNIT = 'asperaredisd';
const DROP_IN_DIR = HSTS.redisUmaskDropIn.slice(0, HSTS.redisUmaskDropIn.lastIndexOf('/'));

/**
 * asperaredisd runs with the private umask, through a drop-in beside HSTS's own unit (which stays
 * untouched). It needs no restart of its own: it applies from Redis's next start, which on a first
 * `up` is this run's, and `up` takes the world bits off the file meanwhile.
 */
export const redisUmask: Step = {
  id: 'redis-umask',
  title: 'asperaredisd runs with a private umask',
  needs: () => ({ files: [HSTS.redisUmaskDropIn], units: [UNIT] }),
  plan(ctx) {
    const dropIn = fileFact(ctx, HSTS.redisUmaskDropIn);
    const unit = ctx.facts.units.get(UNIT);
    if (dropIn.content === null && unit && umaskIsPrivate(unit.umask)) return [];
    const change = fileChange(this.id, dropIn, {
      path: HSTS.redisUmaskDropIn, content: renderUmaskDropIn(), owner: 'root', group: 'root', mode: '644',
    }, { summary: `install ${HSTS.redisUmaskDropIn} (applies from asperaredisd's next start)` });
    if (!change) return [];
    change.commands.unshift({ label: `mkdir -p ${DROP_IN_DIR}`, code: `install -d -m 0755 ${shq(DROP_IN_DIR)}` });
    change.commands.push({ label: 'systemctl daemon-reload', code: 'systemctl daemon-reload' });
    return [change];
  },
};
