import { describe, expect, it } from 'vitest';
import { renderUmaskDropIn, umaskIsPrivate } from '../../src/hsts/umask.js';
import { removeFileCommand } from '../../src/steps/common.js';
import { redisUmask } from '../../src/steps/redis-umask.js';
import type { FileFact, PlanContext } from '../../src/steps/types.js';

const DROP_IN = '/etc/systemd/system/asperaredisd.service.d/hsts-cluster-umask.conf';

/** Only what the step reads: its drop-in's fact and the unit's umask. */
function plan(dropIn: string | null, umask: string) {
  const file: FileFact = dropIn === null
    ? { path: DROP_IN, content: null, owner: '', group: '', mode: '' }
    : { path: DROP_IN, content: Buffer.from(dropIn), owner: 'root', group: 'root', mode: '644' };
  const facts = {
    files: new Map([[DROP_IN, file]]),
    units: new Map([['asperaredisd', { name: 'asperaredisd', load: 'loaded', enabled: 'enabled', active: 'active', mainPid: 1, umask }]]),
  };
  return redisUmask.plan({ facts } as unknown as PlanContext);
}

describe('umask', () => {
  it('calls a umask private only when it keeps group write and all of others out', () => {
    expect(['0027', '0077', '0037'].map(umaskIsPrivate)).toEqual([true, true, true]);
    expect(['0022', '0007', '0020', '', 'abc'].map(umaskIsPrivate)).toEqual([false, false, false, false, false]);
  });

  it('renders a drop-in that sets UMask=0027 in [Service] and nothing else', () => {
    const lines = renderUmaskDropIn().split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines).toEqual(['[Service]', 'UMask=0027']);
  });
});

describe('the redis-umask step', () => {
  it('installs the drop-in under the default umask: directory, file, daemon-reload, and no restart', () => {
    const [change, ...more] = plan(null, '0022');
    expect(more).toEqual([]);
    expect(change!.commands.map((c) => c.label)).toEqual([
      'mkdir -p /etc/systemd/system/asperaredisd.service.d',
      `write ${DROP_IN} (root:root 644)`,
      'systemctl daemon-reload',
    ]);
    expect(change!.restarts).toBeUndefined();
    expect(change!.touches).toEqual([{ kind: 'file', path: DROP_IN }]);
  });

  it('adds nothing where HSTS already runs Redis with a private umask', () => {
    expect(plan(null, '0077')).toEqual([]);
  });

  it('finds nothing to do where its drop-in is in place', () => {
    expect(plan(renderUmaskDropIn(), '0027')).toEqual([]);
  });

  it('removes the drop-in directory with the file when nothing else is in it', () => {
    expect(removeFileCommand(DROP_IN).code).toBe(`rm -f '${DROP_IN}' && rmdir --ignore-fail-on-non-empty '/etc/systemd/system/asperaredisd.service.d'`);
    expect(removeFileCommand('/opt/aspera/etc/redis/sentinel_41415.conf').code).toBe("rm -f '/opt/aspera/etc/redis/sentinel_41415.conf'");
  });
});
