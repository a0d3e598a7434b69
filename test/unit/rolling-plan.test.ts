import { describe, expect, it } from 'vitest';
import type { MaintenanceMark } from '../../src/hsts/maintenance.js';
import type { ReplicationInfo } from '../../src/hsts/redis-info.js';
import { compareVersions, parseHstsVersion } from '../../src/hsts/version.js';
import { operatorCommand, restartServices } from '../../src/commands/rolling/remote.js';
import {
  chooseTarget, findPrimary, gateProblems, maxBatch, planRolling, type GateFacts, type RollingNodeFacts, type RollingRequest,
} from '../../src/commands/rolling/plan.js';
import { SERVICES } from '../../src/hsts/paths.js';
import { buildInventory } from '../support/facts.js';

const { nodes } = buildInventory();
const [n1, n2, n3] = [nodes[0]!, nodes[1]!, nodes[2]!];
const primary = (offset = 100): ReplicationInfo => ({ role: 'master', offset, replicas: [] });
const replica = (offset = 100, linkUp = true, of = n1.privateIp): ReplicationInfo => ({ role: 'slave', masterHost: of, masterPort: 31415, linkUp, offset, replicas: [] });
const mark = (stopped: MaintenanceMark['stopped'] = []): MaintenanceMark => ({ by: 'ops@h', since: '2026-11-28T10:00:00Z', message: 'disk swap', run: 'r', stopped, replicaPriority: '100' });
const fact = (i: number, over: Partial<RollingNodeFacts> = {}): RollingNodeFacts =>
  ({ node: nodes[i]!, maintenance: null, version: '4.4.5', replication: i === 0 ? primary() : replica(), ...over });
const healthy = () => [fact(0), fact(1), fact(2)];
const request = (over: Partial<RollingRequest> = {}): RollingRequest => ({ kind: 'restart', services: SERVICES, batch: 1, quorum: 2, ...over });

function describePlan(p: ReturnType<typeof planRolling>): string {
  if (p.kind === 'refuse') return `refuse: ${p.reason}`;
  const order = [...p.batches.map((b) => b.map((n) => n.name).join('+')), ...(p.switchFirst ? ['switchover'] : []), ...(p.primaryLast ? [p.primaryLast.name] : [])];
  return [order.join(' > ') || '(nothing)', ...p.notes].join(' | ');
}

describe('planRolling: facts and request in, order of work out', () => {
  it.each([
    ['every node: replicas in inventory order, then the switchover, then the primary', healthy(), request(), 'node2 > node3 > switchover > node1'],
    ['--nodes without the primary: no switchover', healthy(), request({ nodes: ['node3', 'node2'] }), 'node2 > node3'],
    ['--nodes the primary only: switched over, then restarted', healthy(), request({ nodes: ['node1'] }), 'switchover > node1'],
    ['restart skips a node in maintenance, with a note', [fact(0), fact(1, { maintenance: mark() }), fact(2)], request(), /^node3 > switchover > node1 \| node2 skipped: in maintenance since .* by ops@h: disk swap$/],
    ['upgrade refuses a node in maintenance and says how to leave it out', [fact(0), fact(1, { maintenance: mark() }), fact(2)], request({ kind: 'upgrade' }), /^refuse: node2 is in maintenance .*which maintenance forbids.*--nodes node1,node3$/],
    ['upgrade with the node in maintenance left out by --nodes', [fact(0), fact(1, { maintenance: mark() }), fact(2)], request({ kind: 'upgrade', nodes: ['node1', 'node3'] }), 'node3 > switchover > node1'],
    ['after a failover the Sentinels\' primary goes last, not the inventory\'s', [fact(0, { replication: replica(100, true, n2.privateIp) }), fact(1, { replication: primary() }), fact(2)], request(), 'node1 > node3 > switchover > node2'],
    ['--batch 2 on three nodes: refused (a Sentinel restart would break the quorum)', healthy(), request({ batch: 2 }), /^refuse: --batch 2: at most 1 node\(s\) of 3/],
    ['--batch 2 without Sentinel: both replicas at once; the primary keeps its role (its Redis does not restart)', healthy(), request({ batch: 2, services: ['asperanoded', 'asperarund'] }), 'node2+node3 > node1'],
    ['only Sentinel restarts: no switchover, the primary last', healthy(), request({ services: ['asperaredissentinel'] }), 'node2 > node3 > node1'],
    ['upgrade always switches over (every service restarts)', healthy(), request({ kind: 'upgrade', services: ['asperanoded'] }), 'node2 > node3 > switchover > node1'],
    ['a maintenance mark that stopped a Sentinel leaves no room for another Sentinel restart', [fact(0), fact(1, { maintenance: mark(['asperaredissentinel']) }), fact(2)], request(), /^refuse: restarting a Sentinel now would leave fewer than the quorum/],
    ['every replica in maintenance: nobody can take the primary role', [fact(0), fact(1, { maintenance: mark() }), fact(2, { maintenance: mark() })], request({ services: ['asperaredisd'] }), /^refuse: no node outside maintenance can take the primary role from node1/],
    ['every replica in maintenance, only asperanoded restarts: the primary alone, no switchover', [fact(0), fact(1, { maintenance: mark() }), fact(2, { maintenance: mark() })], request({ services: ['asperanoded'] }), /^node1 \| node2 skipped.* \| node3 skipped/],
  ] as const)('%s', (_, facts, req, expected) => {
    const p = findPrimary([...facts], nodes, nodes.map(() => [...facts].find((f) => f.replication?.role === 'master')!.node.privateIp));
    expect(p.kind).toBe('primary');
    const text = describePlan(planRolling([...facts], (p as { primary: typeof n1 }).primary, req));
    if (typeof expected === 'string') expect(text).toBe(expected);
    else expect(text).toMatch(expected);
  });
});

describe('maxBatch: replicas restarted at once', () => {
  it.each([
    [3, 2, SERVICES, 0, 1],
    [5, 2, SERVICES, 0, 2],
    [5, 4, SERVICES, 0, 1],
    [5, 3, SERVICES, 1, 1],
    [3, 2, SERVICES, 1, 0],
    [3, 2, ['asperanoded'] as const, 0, 2],
    [7, 4, SERVICES, 0, 3],
  ] as const)('%i nodes, quorum %i, services %j, %i Sentinels stopped: %i', (n, quorum, services, down, expected) => {
    expect(maxBatch(n, quorum, services, down)).toBe(expected);
  });
});

describe('findPrimary', () => {
  it.each([
    ['every Sentinel names node1, which runs as primary', healthy(), [n1.privateIp, n1.privateIp, n1.privateIp], 'node1'],
    ['a Sentinel does not answer', healthy(), [n1.privateIp, null, n1.privateIp], /refuse: the Sentinels do not all name one primary \(.*node2: no answer/],
    ['the Sentinels disagree', healthy(), [n1.privateIp, n2.privateIp, n1.privateIp], /do not all name one primary/],
    ['an address outside the inventory', healthy(), ['192.0.2.9', '192.0.2.9', '192.0.2.9'], /not a node of the inventory/],
    ['the named node runs as a replica', [fact(0, { replication: replica() }), fact(1), fact(2)], [n1.privateIp, n1.privateIp, n1.privateIp], /does not run as primary/],
  ] as const)('%s', (_, facts, views, expected) => {
    const r = findPrimary([...facts], nodes, [...views]);
    const text = r.kind === 'primary' ? r.primary.name : `refuse: ${r.reason}`;
    if (typeof expected === 'string') expect(text).toBe(expected);
    else expect(text).toMatch(expected);
  });
});

describe('chooseTarget: never from a newer version to an older one', () => {
  it.each([
    ['same versions: the largest offset', [fact(0), fact(1, { replication: replica(90) }), fact(2, { replication: replica(100) })], 'node3'],
    ['same versions and offsets: inventory order', healthy(), 'node2'],
    ['an upgraded replica wins over a larger offset', [fact(0), fact(1, { version: '4.4.6', replication: replica(50) }), fact(2, { replication: replica(100) })], 'node2'],
    ['an older replica is never chosen', [fact(0, { version: '4.4.6' }), fact(1, { version: '4.4.5' }), fact(2, { version: '4.4.6', replication: replica(10) })], 'node3'],
    ['every replica older: refused', [fact(0, { version: '4.4.6' }), fact(1), fact(2)], /refuse: every linked replica runs an older HSTS than node1 \(4\.4\.6\).*never go from a newer version to an older one/],
    ['a replica in maintenance is not a target', [fact(0), fact(1, { maintenance: mark(), replication: replica(200) }), fact(2)], 'node3'],
    ['a replica with its link down is not a target', [fact(0), fact(1, { replication: replica(200, false) }), fact(2)], 'node3'],
    ['unknown primary version: refused', [fact(0, { version: null }), fact(1), fact(2)], /node1's HSTS version is unknown/],
    ['unknown replica version: not a target', [fact(0), fact(1, { version: null }), fact(2)], 'node3'],
  ] as const)('%s', (_, facts, expected) => {
    const d = chooseTarget([...facts], n1);
    const text = d.kind === 'switch' ? d.target.name : `refuse: ${d.reason}`;
    if (typeof expected === 'string') expect(text).toBe(expected);
    else expect(text).toMatch(expected);
  });
});

describe('gateProblems: what a restarted node must show before the next one starts', () => {
  const record = (over: Record<string, string> = {}) =>
    ({ ip: n2.privateIp, flags: 'slave', 'role-reported': 'slave', 'master-link-status': 'ok', 'master-host': n1.privateIp, ...over });
  const facts = (over: Partial<GateFacts> = {}): GateFacts => ({
    node: n2, primary: n1, sentinels: nodes, replication: replica(120), primaryOffset: 100,
    sentinelViews: nodes.map(() => n1.privateIp), sentinelReplicas: nodes.map(() => [record()]), otherSentinels: 2,
    noded: { ok: true, message: 'healthy' }, ...over,
  });
  it.each([
    ['all well', facts(), []],
    ['Redis does not answer', facts({ replication: null }), ['redis: does not answer']],
    ['link down', facts({ replication: replica(120, false) }), [/^redis: not a linked replica of node1 .*link down/]],
    ['replicates from another node', facts({ replication: replica(120, true, n3.privateIp) }), [/^redis: not a linked replica of node1 \(role slave, primary 192\.0\.2\.13,/]],
    ['offset behind the primary\'s at the start of the gate', facts({ replication: replica(99) }), ["offset: 99 behind node1's 100"]],
    ['a Sentinel does not list it', facts({ sentinelReplicas: [[record()], [], [record()]] }), ["sentinel: node2's Sentinel does not list it"]],
    ['a Sentinel still sees its link down', facts({ sentinelReplicas: [[record({ 'master-link-status': 'err' })], [record()], [record()]] }), [/^sentinel: node1's Sentinel sees it as slave of .*link err/]],
    ['its own Sentinel does not know the others yet', facts({ otherSentinels: 1 }), ["sentinel: node2's Sentinel knows 1 of 2 other Sentinels"]],
    ['its own Sentinel does not answer', facts({ otherSentinels: null }), ["sentinel: node2's Sentinel does not answer"]],
    ['a Sentinel names another primary', facts({ sentinelViews: [n1.privateIp, n1.privateIp, n3.privateIp] }), [/^agreement: node3's Sentinel names 192\.0\.2\.13 instead of node1$/]],
    ['asperanoded does not answer', facts({ noded: { ok: false, message: 'no answer' } }), ['noded: no answer']],
    ['the primary, kept (its Redis did not restart): no replica checks', facts({ node: n1, replication: primary(120), sentinelReplicas: nodes.map(() => [record()]) }), []],
    ['the primary, kept, but its Redis came back as a replica', facts({ node: n1, replication: replica(120, true, n2.privateIp) }), ['redis: node1 kept the primary role but runs as slave']],
    ['a Sentinel stopped by maintenance is not consulted', facts({ sentinels: [n1, n2], sentinelViews: [n1.privateIp, n1.privateIp], sentinelReplicas: [[record()], [record()]], otherSentinels: 2 }), []],
  ] as const)('%s', (_, f, expected) => {
    const problems = gateProblems(f);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((e, i) => (typeof e === 'string' ? expect(problems[i]).toBe(e) : expect(problems[i]).toMatch(e)));
  });
});

describe('versions, maintenance marks, command builders', () => {
  it.each([
    ['IBM Aspera High-Speed Transfer Server version 4.4.5.1141', '4.4.5.1141'],
    ['asnodeadmin version 3.9.6.12345\nCopyright', '3.9.6.12345'],
    ['asnodeadmin: must be run as root', null],
  ])('parseHstsVersion(%j) = %j', (output, expected) => {
    expect(parseHstsVersion(output)).toBe(expected);
  });
  it.each([
    ['4.4.5.1141', '4.4.6.1160', -1], ['4.4.10', '4.4.9', 1], ['4.4', '4.4.0.0', 0], ['4.4.5.1141', '4.4.5.1141', 0],
  ] as const)('compareVersions(%s, %s) has the sign of %i', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });
  it('restarts services in the order given; the operator command is quoted for bash', () => {
    expect(restartServices(['asperaredisd', 'asperanoded']).code).toBe("systemctl restart 'asperaredisd' && systemctl restart 'asperanoded'");
    expect(operatorCommand("rpm -Uvh '/tmp/x y.rpm'").code).toBe(`bash -c 'rpm -Uvh '\\''/tmp/x y.rpm'\\''' 2>&1`);
  });
});
