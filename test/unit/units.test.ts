import { describe, expect, it } from 'vitest';
import { renderSentinelUnit } from '../../src/hsts/sentinel-unit.js';
import { renderUmaskDropIn, umaskIsPrivate } from '../../src/hsts/umask.js';
import { removeFileCommand } from '../../src/steps/common.js';
import type { FileFact, PlanContext, UnitFact } from '../../src/steps/types.js';
import { units } from '../../src/steps/units.js';

const DROP_IN = '/etc/systemd/system/asperaredisd.service.d/hsts-cluster-umask.conf';
const SHIPPED = '/opt/aspera/etc/redis/asperaredissentinel.service';
const INSTALLED = '/lib/systemd/system/asperaredissentinel.service';
const SHIPPED_TEXT = '[Unit]\nDescription=Sentinel\n\n[Service]\nUser=asperadaemon\n\n[Install]\nWantedBy=multi-user.target\n';

function file(path: string, content: string | null): FileFact {
  return content === null
    ? { path, content: null, owner: '', group: '', mode: '' }
    : { path, content: Buffer.from(content), owner: 'root', group: 'root', mode: '644' };
}
function unit(name: string, enabled: string, umask: string): UnitFact {
  return { name, load: 'loaded', enabled, active: 'active', mainPid: 1, umask };
}

/** Only what the step reads: its three files and the two units. */
function plan(node: { dropIn: string | null; installed: string | null; sentinelEnabled: string; redisUmask: string }) {
  const files = [file(SHIPPED, SHIPPED_TEXT), file(INSTALLED, node.installed), file(DROP_IN, node.dropIn)];
  const facts = {
    files: new Map(files.map((f) => [f.path, f])),
    units: new Map([
      ['asperaredisd', unit('asperaredisd', 'enabled', node.redisUmask)],
      ['asperaredissentinel', unit('asperaredissentinel', node.sentinelEnabled, '0027')],
    ]),
  };
  return units.plan({ facts } as unknown as PlanContext);
}
const labels = (changes: ReturnType<typeof plan>) => changes.flatMap((c) => c.commands.map((x) => x.label));

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

describe('the units step', () => {
  it('on a fresh node: the drop-in, then the Sentinel unit, then enable (which reloads systemd)', () => {
    const changes = plan({ dropIn: null, installed: null, sentinelEnabled: '', redisUmask: '0022' });
    expect(labels(changes)).toEqual([
      'mkdir -p /etc/systemd/system/asperaredisd.service.d',
      `write ${DROP_IN} (root:root 644)`,
      `write ${INSTALLED} (root:root 644)`,
      'systemctl enable asperaredissentinel',
    ]);
    // The drop-in applies from Redis's next start; the Sentinel unit restarts Sentinel.
    expect(changes.map((c) => c.restarts)).toEqual([undefined, ['asperaredissentinel'], undefined]);
    expect(changes[0]!.touches).toEqual([{ kind: 'file', path: DROP_IN }]);
  });

  it('reloads systemd once itself when a file changes and the unit is already enabled', () => {
    const changes = plan({ dropIn: null, installed: renderSentinelUnit(SHIPPED_TEXT), sentinelEnabled: 'enabled', redisUmask: '0022' });
    expect(labels(changes)).toEqual(['mkdir -p /etc/systemd/system/asperaredisd.service.d', `write ${DROP_IN} (root:root 644)`, 'systemctl daemon-reload']);
  });

  it('adds no drop-in where HSTS already runs Redis with a private umask', () => {
    expect(plan({ dropIn: null, installed: renderSentinelUnit(SHIPPED_TEXT), sentinelEnabled: 'enabled', redisUmask: '0077' })).toEqual([]);
  });

  it('finds nothing to do on a configured node', () => {
    expect(plan({ dropIn: renderUmaskDropIn(), installed: renderSentinelUnit(SHIPPED_TEXT), sentinelEnabled: 'enabled', redisUmask: '0027' })).toEqual([]);
  });

  it('removes the drop-in directory with the file when nothing else is in it', () => {
    expect(removeFileCommand(DROP_IN).code).toBe(`rm -f '${DROP_IN}' && rmdir --ignore-fail-on-non-empty '/etc/systemd/system/asperaredisd.service.d'`);
    expect(removeFileCommand('/opt/aspera/etc/redis/sentinel_41415.conf').code).toBe("rm -f '/opt/aspera/etc/redis/sentinel_41415.conf'");
  });
});
