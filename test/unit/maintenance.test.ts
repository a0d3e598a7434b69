/**
 * Maintenance as data: the mark's parser, whether a node may go into maintenance or come back
 * (facts in, decision out), what status makes of a node in maintenance, and what `up` plans on one
 * (it must not undo maintenance).
 */
import { describe, expect, it } from 'vitest';
import { parseMaintenanceAnswer } from '../../src/facts/mark-probe.js';
import { evaluateHealth, type NodeHealthInput } from '../../src/commands/status/health.js';
import { parseMaintenanceMark, renderMaintenanceMark, type MaintenanceMark, type MaintenanceRead } from '../../src/hsts/maintenance.js';
import { HSTS, SERVICES } from '../../src/hsts/paths.js';
import type { ReplicationInfo } from '../../src/hsts/redis-info.js';
import { decideOff, decideOn, type MaintenanceFacts } from '../../src/commands/maintenance/plan.js';
import { writeMarkCommand } from '../../src/commands/maintenance/procedure.js';
import { STEPS } from '../../src/steps/registry.js';
import type { NodeFacts } from '../../src/steps/types.js';
import { buildFacts, buildInventory, configuredCluster, contextFor } from '../support/facts.js';
import { labels, nodePlan, plan, stepChanges } from './plan-helpers.js';

const MARK: MaintenanceMark = {
  by: 'ops@laptop', since: '2026-11-28T14:00:00.000Z', message: 'disk swap', run: '20261128T140000Z-ab12',
  stopped: ['asperanoded', 'asperarund'], replicaPriority: '100',
};
const on = (mark: Partial<MaintenanceMark> = {}): MaintenanceRead => ({ state: 'on', mark: { ...MARK, ...mark } });
const none: MaintenanceRead = { state: 'none' };

describe('the maintenance mark', () => {
  it('round-trips through its file', () => {
    expect(parseMaintenanceMark(renderMaintenanceMark(MARK))).toEqual({ state: 'on', mark: MARK });
  });
  it.each([
    { name: 'not JSON', text: '{', reason: 'not JSON' },
    { name: 'not an object', text: '[]', reason: '"by" is not a string' },
    { name: 'no message', text: JSON.stringify({ ...MARK, message: undefined }), reason: '"message" is not a string' },
    { name: 'an unknown service', text: JSON.stringify({ ...MARK, stopped: ['sshd'] }), reason: '"stopped" is not a list of asperaredisd, asperaredissentinel, asperanoded, asperarund' },
    { name: 'a priority that is no number', text: JSON.stringify({ ...MARK, replicaPriority: 'high' }), reason: '"replicaPriority" is not a whole number in a string' },
  ])('names what is wrong with a file that is not a mark: $name', ({ text, reason }) => {
    expect(parseMaintenanceMark(text)).toEqual({ state: 'unreadable', reason });
  });
  it('a mark without replicaPriority (the shared contract) means Redis\'s default, 100', () => {
    const { replicaPriority: _, ...contract } = MARK;
    expect(parseMaintenanceMark(JSON.stringify(contract))).toEqual({ state: 'on', mark: MARK });
  });
  it('the probe tells an absent file from an empty answer', () => {
    expect(parseMaintenanceAnswer('NO-MAINTENANCE-MARK\n')).toEqual({ state: 'none' });
    expect(parseMaintenanceAnswer(null)).toEqual({ state: 'none' });
    expect(parseMaintenanceAnswer('')).toEqual({ state: 'unreadable', reason: 'no answer or an empty file' });
  });
  it('is written root-only, atomically', () => {
    const command = writeMarkCommand(MARK);
    expect(command.label).toBe(`write ${HSTS.maintenanceFile} (root:root 600)`);
    expect(command.code).toContain(`__write "$f" 'root' 'root' '600'`);
  });
});

describe('maintenance on|off: the decision', () => {
  const inv = buildInventory();
  const [n1, n2, n3] = inv.nodes as [typeof inv.nodes[0], typeof inv.nodes[0], typeof inv.nodes[0]];
  const replica: ReplicationInfo = { role: 'slave', masterHost: n1.privateIp, masterPort: 31415, linkUp: true, offset: 10, replicas: [] };
  const facts = (change: Partial<MaintenanceFacts> = {}): MaintenanceFacts => ({
    nodes: inv.nodes, target: n3, sentinelViews: [n1.privateIp, n1.privateIp, n1.privateIp], marks: [none, none, none],
    replication: replica, priority: '100', transfers: [], ...change,
  });

  it.each([
    { name: 'a replica, nothing running: enter, saving its priority', f: facts({ priority: '37' }), wait: 0, want: { kind: 'enter', primary: n1, priority: '37' } },
    { name: 'already in maintenance: nothing to do', f: facts({ marks: [none, none, on()] }), wait: 0, want: { kind: 'nothing-to-do', mark: MARK } },
    { name: 'the primary', f: facts({ target: n1 }), wait: 0, want: { kind: 'refuse', reason: 'node1 is the primary: run `hsts-cluster switchover` first, then put it in maintenance' } },
    {
      name: 'a second node of three', f: facts({ target: n2, marks: [none, none, on()] }), wait: 0,
      want: { kind: 'refuse', reason: 'node2 in maintenance would leave 1 of 3 nodes in service, fewer than a Sentinel majority (2); in maintenance already: node3' },
    },
    {
      name: 'no majority of Sentinels names a primary', f: facts({ sentinelViews: [n1.privateIp, null, n2.privateIp] }), wait: 0,
      want: { kind: 'refuse', reason: `no majority of Sentinels names one primary (node1: ${n1.privateIp}, node2: no answer, node3: ${n2.privateIp})` },
    },
    { name: 'its Redis does not answer', f: facts({ replication: null, priority: null }), wait: 0, want: { kind: 'refuse', reason: 'node3\'s Redis does not answer: its replica-priority cannot be set to 0' } },
    {
      name: 'a transfer runs and the run may not wait', f: facts({ transfers: ['123 ascp x'] }), wait: 0,
      want: { kind: 'refuse', reason: 'transfers in progress on node3: 123 ascp x (let them finish, or use --wait-transfers SECONDS)' },
    },
    { name: 'a transfer runs and the run may wait', f: facts({ transfers: ['123 ascp x'] }), wait: 30, want: { kind: 'enter', primary: n1, priority: '100' } },
    {
      name: 'an unreadable mark', f: facts({ marks: [none, none, { state: 'unreadable', reason: 'not JSON' }] }), wait: 0,
      want: { kind: 'refuse', reason: 'node3\'s maintenance mark cannot be read (not JSON): look at it, or remove it by hand' },
    },
  ])('on: $name', ({ f, wait, want }) => {
    expect(decideOn(f, wait)).toEqual(want);
  });

  it('on: a second node of five is allowed (three stay in service), a third is not', () => {
    const inv5 = buildInventory({ nodes: 5 });
    const views = inv5.nodes.map(() => inv5.nodes[0]!.privateIp);
    const base = { nodes: inv5.nodes, sentinelViews: views, replication: replica, priority: '100', transfers: [] };
    expect(decideOn({ ...base, target: inv5.nodes[3]!, marks: [none, none, none, none, on()] }, 0).kind).toBe('enter');
    expect(decideOn({ ...base, target: inv5.nodes[2]!, marks: [none, none, none, on(), on()] }, 0)).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/leave 2 of 5 nodes in service/) });
  });

  it.each([
    { name: 'in maintenance: leave, with its mark', f: facts({ marks: [none, none, on()] }), want: { kind: 'leave', primary: n1, mark: MARK } },
    { name: 'not in maintenance: nothing to do', f: facts(), want: { kind: 'nothing-to-do' } },
    {
      name: 'after a failover the primary is the Sentinels\'', f: facts({ marks: [none, none, on()], sentinelViews: [n2.privateIp, n2.privateIp, n2.privateIp] }),
      want: { kind: 'leave', primary: n2, mark: MARK },
    },
    {
      name: 'no primary named', f: facts({ marks: [none, none, on()], sentinelViews: [null, null, null] }),
      want: { kind: 'refuse', reason: 'no majority of Sentinels names one primary (node1: no answer, node2: no answer, node3: no answer)' },
    },
  ])('off: $name', ({ f, want }) => {
    expect(decideOff(f)).toEqual(want);
  });
});

describe('status: a node in maintenance is not a failure, a second node down is', () => {
  const ip = (n: number) => `192.0.2.${10 + n}`;
  function node(n: number, change: Partial<NodeHealthInput> = {}): NodeHealthInput {
    return {
      name: `node${n}`, ip: ip(n), reachable: true,
      services: Object.fromEntries(SERVICES.map((s) => [s, { active: 'active', enabled: 'enabled' }])),
      replication: n === 1
        ? { role: 'master', offset: 500, replicas: [2, 3].map((r) => ({ ip: ip(r), port: 31415, state: 'online', offset: 500, lag: 0 })) }
        : { role: 'slave', masterHost: ip(1), masterPort: 31415, linkUp: true, offset: 500, replicas: [] },
      sentinelPrimary: ip(1), quorum: { ok: true, message: 'OK 3 usable Sentinels' }, noded: { ok: true, message: 'healthy' },
      maintenance: none, ...change,
    };
  }
  const stopped = (...names: string[]) => ({
    services: Object.fromEntries(SERVICES.map((s) => [s, { active: names.includes(s) ? 'inactive' : 'active', enabled: 'enabled' }])),
  });
  const inMaintenance = { ...stopped('asperanoded', 'asperarund'), noded: { ok: false, message: 'connection refused' }, maintenance: on() };

  it.each([
    { name: 'node3 in maintenance, its daemons stopped: healthy', nodes: [node(1), node(2), node(3, inMaintenance)], verdict: 'healthy', reasons: [] },
    {
      name: 'a service the mark did not stop is still a problem', nodes: [node(1), node(2), node(3, { ...inMaintenance, ...stopped('asperanoded', 'asperarund', 'asperaredissentinel') })],
      verdict: 'degraded', reasons: ['node3: asperaredissentinel is inactive'],
    },
    {
      name: 'node3 in maintenance and node2 unreachable: broken',
      nodes: [node(1), node(2, { reachable: false, error: 'connect timeout', replication: null, sentinelPrimary: null, quorum: null }), node(3, inMaintenance)],
      verdict: 'broken',
      reasons: ['only 1 of 3 nodes in service (in maintenance: node3; down: node2): one more failure and no majority is left', 'node2: unreachable (connect timeout)'],
    },
    {
      name: 'a mark that cannot be read', nodes: [node(1), node(2), node(3, { maintenance: { state: 'unreadable', reason: 'not JSON' } })],
      verdict: 'degraded', reasons: ['node3: its maintenance mark cannot be read (not JSON)'],
    },
  ])('$verdict: $name', ({ nodes, verdict, reasons }) => {
    const health = evaluateHealth(nodes);
    expect({ verdict: health.verdict, reasons: health.reasons }).toEqual({ verdict, reasons });
  });

  it('lists who, since when and why', () => {
    expect(evaluateHealth([node(1), node(2), node(3, inMaintenance)]).maintenance).toEqual([{ node: 'node3', ...MARK }]);
  });
});

describe('up does not undo maintenance', () => {
  const inv = buildInventory();
  const markFile = { [HSTS.maintenanceFile]: { path: HSTS.maintenanceFile, content: Buffer.from(renderMaintenanceMark(MARK)), owner: 'root', group: 'root', mode: '600' } };
  /** node3 in maintenance: priority 0 in its Redis file (CONFIG REWRITE), its daemons stopped by the mark. */
  function maintained(stoppedByMark: string[] = ['asperanoded', 'asperarund'], alsoDown: string[] = []): Map<string, NodeFacts> {
    const cluster = configuredCluster(inv);
    const facts = cluster.get('node3')!;
    const redisConf = facts.files.get(HSTS.redisConf)!;
    const mark = { ...MARK, stopped: stoppedByMark as MaintenanceMark['stopped'] };
    const units = Object.fromEntries([...stoppedByMark, ...alsoDown].map((s) => [s, { active: 'inactive' }]));
    return new Map([...cluster, ['node3', buildFacts(inv, 'node3', 'configured replica', {
      units,
      files: {
        [HSTS.redisConf]: { ...redisConf, content: Buffer.from(`${redisConf.content!.toString()}replica-priority 0\n`) },
        [HSTS.maintenanceFile]: { ...markFile[HSTS.maintenanceFile], content: Buffer.from(renderMaintenanceMark(mark)) },
      },
    })]]);
  }

  it('plans no change at all on a node in maintenance (its stopped daemons stay stopped, its replica-priority 0 stays in its file)', () => {
    const plans = plan({ inventory: inv, facts: maintained() });
    expect([...nodePlan(plans, 'node3').changes.values()].flat()).toEqual([]);
  });

  it('starts a service the mark did not stop', () => {
    expect(labels(stepChanges({ inventory: inv, facts: maintained(['asperarund'], ['asperanoded']) }, 'start-services', 'node3')))
      .toEqual(['systemctl start asperanoded']);
  });

  it('without a mark, the same stopped daemons are started (the mark is what keeps them stopped)', () => {
    const facts = maintained();
    const node3 = facts.get('node3')!;
    node3.files.delete(HSTS.maintenanceFile);
    expect(labels(stepChanges({ inventory: inv, facts }, 'start-services', 'node3'))).toEqual(['systemctl start asperanoded', 'systemctl start asperarund']);
  });

  it('does not wait for asperanoded on a node whose mark stopped it, and still does on the others', () => {
    const facts = maintained();
    const checks = (name: string) => STEPS.verify!.readinessChecks!(contextFor(inv, facts.get(name)!, name)).map((c) => c.label);
    expect(checks('node3').some((l) => /asperanoded/.test(l))).toBe(false);
    expect(checks('node3')).toHaveLength(6);
    expect(checks('node2').some((l) => /asperanoded/.test(l))).toBe(true);
  });
});
