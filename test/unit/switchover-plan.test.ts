import { describe, expect, it } from 'vitest';
import type { ReplicationInfo } from '../../src/hsts/redis-info.js';
import { checkQuorum, followPrimary, pauseWrites, rewriteLoweredPriority, sentinelFailover, unpauseWrites } from '../../src/runner/switchover/remote.js';
import { decideSwitchover, promotionProblems, sentinelReplicaProblem, switchoverBudget } from '../../src/runner/switchover/plan.js';
import { Secret } from '../../src/util/secret.js';
import { buildInventory } from '../support/facts.js';

const { nodes } = buildInventory();
const [n1, n2, n3] = [nodes[0]!, nodes[1]!, nodes[2]!];
const primary = (offset: number): ReplicationInfo => ({ role: 'master', offset, replicas: [] });
const replica = (of: string, offset: number, linkUp = true): ReplicationInfo => ({ role: 'slave', masterHost: of, masterPort: 31415, linkUp, offset, replicas: [] });
const agree = (ip: string) => [ip, ip, ip];

describe('decideSwitchover', () => {
  it.each([
    ['every Sentinel names node1; --to node2', agree(n1.privateIp), [primary(100), replica(n1.privateIp, 100), replica(n1.privateIp, 100)], 'node2', 'switch node1 -> node2 (others node3)'],
    ['no --to: the largest offset wins', agree(n1.privateIp), [primary(100), replica(n1.privateIp, 90), replica(n1.privateIp, 100)], undefined, 'switch node1 -> node3 (others node2)'],
    ['no --to: a tie goes to inventory order', agree(n1.privateIp), [primary(100), replica(n1.privateIp, 100), replica(n1.privateIp, 100)], undefined, 'switch node1 -> node2 (others node3)'],
    ['no --to: a replica with its link down is skipped', agree(n1.privateIp), [primary(100), replica(n1.privateIp, 100, false), replica(n1.privateIp, 50)], undefined, 'switch node1 -> node3 (others node2)'],
    ['after a failover the Sentinels decide, not the inventory', agree(n2.privateIp), [replica(n2.privateIp, 100), primary(100), replica(n2.privateIp, 100)], 'node1', 'switch node2 -> node1 (others node3)'],
    ['--to the primary: nothing to do', agree(n1.privateIp), [primary(100), replica(n1.privateIp, 100), replica(n1.privateIp, 100)], 'node1', 'nothing to do (node1)'],
    ['the Sentinels disagree', [n1.privateIp, n1.privateIp, n2.privateIp], [primary(100), primary(100), replica(n1.privateIp, 100)], 'node2', /do not agree/],
    ['a Sentinel does not answer', [n1.privateIp, null, n1.privateIp], [primary(100), replica(n1.privateIp, 100), replica(n1.privateIp, 100)], 'node2', /no primary named by the Sentinel on node2/],
    ['the Sentinels name an address outside the inventory', agree('192.0.2.99'), [primary(100), replica(n1.privateIp, 100), replica(n1.privateIp, 100)], 'node2', /not a node of the inventory/],
    ['the named primary runs as a replica', agree(n1.privateIp), [replica(n2.privateIp, 100), replica(n1.privateIp, 100), replica(n1.privateIp, 100)], 'node2', /does not run as primary/],
    ['--to a replica whose link is down', agree(n1.privateIp), [primary(100), replica(n1.privateIp, 100, false), replica(n1.privateIp, 100)], 'node2', /node2 is not a replica of node1 with its link up \(.*link down\)/],
    ['--to a node whose Redis does not answer', agree(n1.privateIp), [primary(100), null, replica(n1.privateIp, 100)], 'node2', /its Redis does not answer/],
    ['no replica is linked', agree(n1.privateIp), [primary(100), replica(n1.privateIp, 1, false), null], undefined, /no replica of node1 has its link up/],
  ] as const)('%s', (_, views, replication, to, expected) => {
    const d = decideSwitchover({ nodes, sentinelViews: [...views], replication: [...replication] }, to);
    const text = d.kind === 'switch' ? `switch ${d.primary.name} -> ${d.target.name} (others ${d.others.map((n) => n.name).join(',')})`
      : d.kind === 'nothing-to-do' ? `nothing to do (${d.primary.name})` : `refuse: ${d.reason}`;
    if (typeof expected === 'string') expect(text).toBe(expected);
    else expect(text).toMatch(new RegExp(`^refuse: .*${expected.source}`));
  });
});

describe('decideSwitchover: a node in maintenance is never the target', () => {
  const replication = [primary(100), replica(n1.privateIp, 90), replica(n1.privateIp, 100)];
  it('without --to, the largest offset out of maintenance wins; the node in maintenance stays among the others', () => {
    const d = decideSwitchover({ nodes, sentinelViews: agree(n1.privateIp), replication, inMaintenance: ['node3'] });
    expect(d).toMatchObject({ kind: 'switch', target: n2, others: [n3] });
  });
  it('--to a node in maintenance is refused', () => {
    expect(decideSwitchover({ nodes, sentinelViews: agree(n1.privateIp), replication, inMaintenance: ['node3'] }, 'node3'))
      .toEqual({ kind: 'refuse', reason: 'node3 is in maintenance (never promoted): run `hsts-cluster maintenance off node3` first' });
  });
  it('every other replica in maintenance: refused', () => {
    expect(decideSwitchover({ nodes, sentinelViews: agree(n1.privateIp), replication, inMaintenance: ['node2', 'node3'] }))
      .toEqual({ kind: 'refuse', reason: 'no replica of node1 out of maintenance has its link up' });
  });
});

describe('promotionProblems: one Sentinel\'s records in, what keeps it from promoting the target alone out', () => {
  const record = (node: typeof n1, priority: string) =>
    ({ name: node.name, ip: node.privateIp, flags: 'slave', 'role-reported': 'slave', 'master-link-status': 'ok', 'master-host': n1.privateIp, 'slave-priority': priority });
  it.each([
    ['target healthy, nothing lowered', [record(n2, '100'), record(n3, '100')], [], []],
    ['target healthy, the lowered priority seen', [record(n2, '100'), record(n3, '0')], [n3], []],
    ['the lowered priority not seen yet', [record(n2, '100'), record(n3, '100')], [n3], [`${n3.name}'s replica-priority 0 not seen yet`]],
    ['the lowered replica not listed at all', [record(n2, '100')], [n3], [`${n3.name}'s replica-priority 0 not seen yet`]],
    ['target not listed', [record(n3, '0')], [n3], [`${n2.name}: does not list it`]],
  ] as const)('%s', (_, records, lowered, expected) => {
    expect(promotionProblems([...records], n2, n1.privateIp, [...lowered])).toEqual(expected);
  });
});

describe('sentinelReplicaProblem', () => {
  const healthy = { name: 'x', ip: n2.privateIp, flags: 'slave', 'role-reported': 'slave', 'master-link-status': 'ok', 'master-host': n1.privateIp };
  it.each([
    ['healthy', healthy, null],
    ['not listed', undefined, 'does not list it'],
    ['subjectively down', { ...healthy, flags: 's_down,slave' }, /flags s_down,slave/],
    ['a stale report of another primary', { ...healthy, 'master-host': n3.privateIp }, new RegExp(`of ${n3.privateIp.replaceAll('.', '\\.')}`)],
    ['reports itself primary', { ...healthy, 'role-reported': 'master' }, /sees it as master/],
    ['link down', { ...healthy, 'master-link-status': 'err' }, /link err/],
  ] as const)('%s', (_, record, expected) => {
    const problem = sentinelReplicaProblem(record, n1.privateIp);
    if (expected === null || typeof expected === 'string') expect(problem).toBe(expected);
    else expect(problem).toMatch(expected);
  });
});

describe('the switchover budget', () => {
  it('pauses writes longer than every wait of the switch together', () => {
    const b = switchoverBudget({ downAfterMs: 1000, failoverTimeoutMs: 3000 });
    expect(b).toEqual({ catchUpMs: 10_000, agreeMs: 20_000, pauseMs: 40_000 });
    expect(b.pauseMs).toBeGreaterThan(b.catchUpMs + b.agreeMs);
  });
});

describe('remote/switchover', () => {
  const PASSWORD = 'very secret';
  const target = { ip: '172.20.0.2', port: 31415, password: new Secret(PASSWORD), owner: { unit: 'asperaredisd', user: 'asperadaemon' } };
  it.each([
    [pauseWrites(target, 40_000), 'asredis CLIENT PAUSE 40000 WRITE (172.20.0.2)', "'CLIENT' 'PAUSE' '40000' 'WRITE'"],
    [unpauseWrites(target), 'asredis CLIENT UNPAUSE (172.20.0.2)', "'CLIENT' 'UNPAUSE'"],
    [checkQuorum({ ...target, port: 41415 }, 'myprimary'), 'asredis -h 172.20.0.2 -p 41415 SENTINEL CKQUORUM myprimary', "'SENTINEL' 'CKQUORUM' 'myprimary'"],
    [sentinelFailover({ ...target, port: 41415 }, 'myprimary'), 'asredis SENTINEL FAILOVER myprimary', "'SENTINEL' 'FAILOVER' 'myprimary'"],
    [followPrimary(target, { ip: '172.20.0.3', port: 31415 }), 'asredis REPLICAOF 172.20.0.3 31415 and CONFIG REWRITE (172.20.0.2)', "'REPLICAOF' '172.20.0.3' '31415'"],
    [rewriteLoweredPriority(target), 'asredis CONFIG REWRITE where /opt/aspera/etc/redis/aspera_31415.conf holds replica-priority 0 (172.20.0.2)', "'CONFIG' 'REWRITE'"],
  ])('%#: %s', (command, label, args) => {
    expect(command.label).toBe(label);
    expect(command.code).toContain(args);
    expect(`${command.label}${command.code}`).not.toContain(PASSWORD);
    expect(command.inputs?.pw).toBe(target.password);
  });
});
