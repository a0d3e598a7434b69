import { describe, expect, it } from 'vitest';
import { renderSentinelUnit } from '../../src/hsts/sentinel-unit.js';
import { renderUmaskDropIn, umaskIsPrivate } from '../../src/hsts/umask.js';
import { removeFileCommand } from '../../src/steps/common.js';
import { units } from '../../src/steps/units.js';
import { SHIPPED_SENTINEL_UNIT, buildFacts, buildInventory, contextFor } from '../support/facts.js';

const DROP_IN = '/etc/systemd/system/asperaredisd.service.d/hsts-cluster-umask.conf';
const INSTALLED = '/lib/systemd/system/asperaredissentinel.service';
const inventory = buildInventory();

/** A configured node but for the step's two files and the two units' state. */
function plan(node: { dropIn: string | null; installed: string | null; sentinelEnabled: string; redisUmask: string }) {
  const facts = buildFacts(inventory, 'node1', 'configured primary', {
    files: { [DROP_IN]: node.dropIn, [INSTALLED]: node.installed },
    units: { asperaredisd: { umask: node.redisUmask }, asperaredissentinel: { enabled: node.sentinelEnabled } },
  });
  return units.plan(contextFor(inventory, facts, 'node1'));
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
  it.each([
    ['owned by the daemon user', { owner: 'asperadaemon', mode: '644', links: 1 }],
    ['group-writable', { owner: 'root', mode: '664', links: 1 }],
    ['with a second name', { owner: 'root', mode: '644', links: 2 }],
  ])('never installs a shipped unit %s (pre-flight says why)', (_name, meta) => {
    const shipped = { path: '/opt/aspera/etc/redis/asperaredissentinel.service', content: Buffer.from(SHIPPED_SENTINEL_UNIT), group: 'root', ...meta };
    const facts = buildFacts(inventory, 'node1', 'fresh HSTS node', { files: { [shipped.path]: shipped } });
    const changes = units.plan(contextFor(inventory, facts, 'node1'));
    expect(labels(changes).filter((l) => l.includes(INSTALLED))).toEqual([]);
  });

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
    const changes = plan({ dropIn: null, installed: renderSentinelUnit(SHIPPED_SENTINEL_UNIT), sentinelEnabled: 'enabled', redisUmask: '0022' });
    expect(labels(changes)).toEqual(['mkdir -p /etc/systemd/system/asperaredisd.service.d', `write ${DROP_IN} (root:root 644)`, 'systemctl daemon-reload']);
  });

  it('adds no drop-in where HSTS already runs Redis with a private umask', () => {
    expect(plan({ dropIn: null, installed: renderSentinelUnit(SHIPPED_SENTINEL_UNIT), sentinelEnabled: 'enabled', redisUmask: '0077' })).toEqual([]);
  });

  it('finds nothing to do on a configured node', () => {
    expect(plan({ dropIn: renderUmaskDropIn(), installed: renderSentinelUnit(SHIPPED_SENTINEL_UNIT), sentinelEnabled: 'enabled', redisUmask: '0027' })).toEqual([]);
  });

  it('removes the drop-in directory with the file when nothing else is in it', () => {
    expect(removeFileCommand(DROP_IN).code).toBe(`rm -f '${DROP_IN}' && rmdir --ignore-fail-on-non-empty '/etc/systemd/system/asperaredisd.service.d'`);
    expect(removeFileCommand('/opt/aspera/etc/redis/sentinel_41415.conf').code).toBe("rm -f '/opt/aspera/etc/redis/sentinel_41415.conf'");
  });
});
