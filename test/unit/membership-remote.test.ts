import { describe, expect, it } from 'vitest';
import { detachOverNetwork, sentinelReset, waitForSentinelCounts, waitForSentinelMembers } from '../../src/runner/membership/remote.js';
import { leftoverWarnings, nodeUsersProbe, parseSentinelCounts } from '../../src/commands/status/procedure.js';
import { renderStatus } from '../../src/commands/status/render.js';
import { evaluateHealth } from '../../src/commands/status/health.js';
import { SERVICES } from '../../src/hsts/paths.js';
import { Secret } from '../../src/util/secret.js';

const password = new Secret('membership-unit-pw');
const sentinel = { ip: '192.0.2.11', port: 41415, password, owner: { unit: 'asperaredissentinel', user: 'asperadaemon' } };
const wait = { timeoutMs: 5000 };

describe('membership commands', () => {
  it.each([
    ['wait for members', waitForSentinelMembers(sentinel, 'myprimary', { peers: ['192.0.2.12'], replicas: ['192.0.2.12'] }, wait), /counts peers 192\.0\.2\.12 and replicas 192\.0\.2\.12/],
    ['wait for counts', waitForSentinelCounts(sentinel, 'myprimary', { peers: 2, replicas: 2 }, wait), /counts 2 peer\(s\) and 2 replica\(s\)/],
    ['reset', sentinelReset(sentinel, 'myprimary'), /SENTINEL RESET myprimary$/],
    ['detach', detachOverNetwork({ ip: '192.0.2.14', redisPort: 31415, sentinelPort: 41415, password, nodedUser: 'asperadaemon' }, 'myprimary'), /detach 192\.0\.2\.14: SENTINEL REMOVE myprimary/],
  ])('%s: the password only as an input', (_, command, label) => {
    expect(command.label).toMatch(label);
    expect(command.label + command.code).not.toContain('membership-unit-pw');
    expect(command.inputs?.pw).toBe(password);
  });

  it('the member wait looks for each address, not a count', () => {
    const c = waitForSentinelMembers(sentinel, 'myprimary', { peers: ['192.0.2.12', '192.0.2.13'], replicas: [] }, wait);
    expect(c.code).toContain(`[[ " $peers " == *' 192.0.2.12 '* ]] && [[ " $peers " == *' 192.0.2.13 '* ]]`);
  });
});

describe('status: what each Sentinel counts', () => {
  const reply = ['name', 'myprimary', 'ip', '192.0.2.11', 'num-slaves', '4', 'num-other-sentinels', '2', 'quorum', '2'].join('\n');
  it.each([
    ['a SENTINEL MASTER reply', reply, { replicas: 4, peers: 2 }],
    ['with CRLF', reply.replace(/\n/g, '\r\n'), { replicas: 4, peers: 2 }],
    ['an error', 'ERR No such master with that name', null],
    ['no answer', '', null],
  ])('%s', (_, output, expected) => {
    expect(parseSentinelCounts(output)).toEqual(expected);
  });

  it('shows replicas/peers per node and flags a count that differs from the inventory', () => {
    const node = (n: number, counts: { replicas: number; peers: number }) => ({
      name: `node${n}`, ip: `192.0.2.1${n}`, reachable: true,
      services: Object.fromEntries(SERVICES.map((s) => [s, { active: 'active', enabled: 'enabled' }])),
      replication: n === 1
        ? { role: 'master' as const, offset: 1, replicas: [2, 3].map((r) => ({ ip: `192.0.2.1${r}`, port: 31415, state: 'online', offset: 1, lag: 0 })) }
        : { role: 'slave' as const, masterHost: '192.0.2.11', masterPort: 31415, linkUp: true, offset: 1, replicas: [] },
      sentinelPrimary: '192.0.2.11', quorum: { ok: true, message: 'OK' }, noded: { ok: true, message: 'healthy' }, sentinelCounts: counts,
    });
    const text = renderStatus(evaluateHealth([node(1, { replicas: 2, peers: 2 }), node(2, { replicas: 4, peers: 4 }), node(3, { replicas: 2, peers: 2 })]));
    expect(text).toMatch(/node1 .* healthy +2\/2 +redisd:up/);
    expect(text).toMatch(/node2 .* 4\/4 \(want 2\) /);
    expect(text).toContain('cluster: DEGRADED');
    expect(text).toContain('node2: its Sentinel counts 4 replica(s) and 4 peer(s), the inventory has 2 of each');
  });

  it('says why the Node API users could not be listed (the password guard refused the port), instead of reading the refusal as names', () => {
    const probe = nodeUsersProbe({ label: 'asnodeadmin -l', code: 'true' });
    const refusal = 'port 41415 is held by pid 4242 (python3) as user nobody, not by asperaredissentinel: password not sent';
    const answer = probe.parse({ exitCode: 1, output: `${refusal}\n`, durationMs: 1 } as never);
    expect(leftoverWarnings('node1', answer)).toEqual([`node1: asnodeadmin -l did not list the Node API users: ${refusal}`]);
    expect(leftoverWarnings('node1', probe.parse(undefined))).toEqual(['node1: asnodeadmin -l did not list the Node API users: no answer']);
    const listed = probe.parse({ exitCode: 0, output: 'List of node user(s):\n  hsts-cluster-verify-abc   asperadaemon\n  console   xfer\n', durationMs: 1 } as never);
    expect(listed).toEqual({ leftovers: ['hsts-cluster-verify-abc'] });
  });

  it('names the Node API users a dead verify left, as warnings that leave the verdict as it is', () => {
    const warnings = leftoverWarnings('node1', { leftovers: ['hsts-cluster-verify-abc'] });
    expect(warnings).toEqual(['node1: Node API user hsts-cluster-verify-abc was left by a verify that did not finish; the next hsts-cluster verify removes it (or: asnodeadmin -du hsts-cluster-verify-abc)']);
    const health = { verdict: 'healthy' as const, primary: 'node1', reasons: [], nodes: [], maintenance: [], warnings };
    expect(renderStatus(health)).toContain(`cluster: HEALTHY, primary node1\nwarning: ${warnings[0]}\n`);
  });
});
