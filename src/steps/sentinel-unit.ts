import { HSTS } from '../hsts/paths.js';
import { renderSentinelUnit } from '../hsts/sentinel-unit.js';
import { fileChange, fileFact } from './common.js';
import type { Change, Step } from './types.js';

const UNIT = 'asperaredissentinel';

/** The shipped asperaredissentinel.service copied to /lib/systemd/system (with a private umask) and enabled. */
export const sentinelUnit: Step = {
  id: 'sentinel-unit',
  title: 'asperaredissentinel.service installed and enabled',
  needs: () => ({ files: [HSTS.shippedSentinelUnit, HSTS.installedSentinelUnit], units: [UNIT] }),
  plan(ctx) {
    const shipped = fileFact(ctx, HSTS.shippedSentinelUnit);
    if (shipped.content === null) return [];
    const changes: Change[] = [];
    const enable = ctx.facts.units.get(UNIT)?.enabled !== 'enabled';
    const copy = fileChange(this.id, fileFact(ctx, HSTS.installedSentinelUnit), {
      path: HSTS.installedSentinelUnit, content: renderSentinelUnit(shipped.content.toString('utf8')), owner: 'root', group: 'root', mode: '644',
    }, { summary: `install ${HSTS.installedSentinelUnit}`, restarts: [UNIT] });
    if (copy) {
      // systemctl enable reloads systemd itself; a second reload would only cost time.
      if (!enable) copy.commands.push({ label: 'systemctl daemon-reload', code: 'systemctl daemon-reload' });
      changes.push(copy);
    }
    if (enable) {
      changes.push({
        step: this.id,
        summary: `systemctl enable ${UNIT}`,
        commands: [{ label: `systemctl enable ${UNIT}`, code: `systemctl enable ${UNIT} 2>&1` }],
        touches: [{ kind: 'unit', name: UNIT }],
      });
    }
    return changes;
  },
};
