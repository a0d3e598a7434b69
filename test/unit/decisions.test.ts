/**
 * The decisions a run makes before it changes anything, each as a table: who the primary is
 * (resolveRoles), whether the cluster is healthy (evaluateHealth), whether every Sentinel is held
 * while the primary's Redis restarts (planCluster), and which services stop and start.
 */
import { describe, expect, it } from 'vitest';
import { evaluateHealth, type NodeHealthInput } from '../../src/commands/status/health.js';
import { HSTS, SERVICES } from '../../src/hsts/paths.js';
import type { ReplicationInfo } from '../../src/hsts/redis-info.js';
import { RolesError, resolveRoles } from '../../src/hsts/roles.js';
import { startServices, stopServices } from '../../src/steps/services.js';
import type { Change, NodeFacts, PlanContext, RuntimeFacts } from '../../src/steps/types.js';
import {
  SHIPPED_REDIS_CONF, allFresh, buildClusterFacts, buildFacts, buildInventory, configuredCluster, configuredFiles, contextFor, nodeNamed,
  type FactsOptions, type NodeState,
} from '../support/facts.js';
import { nodePlan, plan, summaries } from './plan-helpers.js';

const inv = buildInventory();
const inv5 = buildInventory({ nodes: 5 });
const ip = (n: number) => `192.0.2.${10 + n}`;

describe('roles: who the primary is', () => {
  const sentinelNames = (n: number | null) => (n === null ? {} : { sentinelPrimary: { ip: ip(n), port: 31415 } });
  const master = (replicas: number[]): ReplicationInfo =>
    ({ role: 'master', offset: 10, replicas: replicas.map((r) => ({ ip: ip(r), port: 31415, state: 'online', offset: 10, lag: 0 })) });
  const slaveOf = (n: number): ReplicationInfo => ({ role: 'slave', masterHost: ip(n), masterPort: 31415, linkUp: true, offset: 10, replicas: [] });
  /** Nodes without Sentinel files, whose only difference is what each node's Sentinel and Redis answer. */
  const answering = (runtimes: RuntimeFacts[], inventory = inv) =>
    buildClusterFacts(inventory, () => 'fresh HSTS node', (node) => ({ runtime: runtimes[inventory.nodes.indexOf(node)] ?? {} }));
  /** A stopped cluster whose Sentinel files name these primaries (null: no file). */
  const stoppedNaming = (primaries: (string | null)[], runtimes: RuntimeFacts[] = []) => buildClusterFacts(inv, () => 'stopped', (node) => {
    const i = inv.nodes.indexOf(node);
    const named = primaries[i];
    return {
      ...(named ? { primary: named } : { files: { [HSTS.sentinelConf]: null } }),
      ...(runtimes[i] ? { runtime: runtimes[i] } : {}),
    };
  });
  const byFiles = (names: string) => `the Sentinel files on ${names} name it (no Sentinel answered)`;
  const keeping = (name: string, n: number, reason: string) =>
    `keeping ${name} (${ip(n)}) as primary: ${reason}; the inventory says node1. ` +
    'Set its role to "primary" in the inventory, or fail back with `hsts-cluster verify --failover --failback`.';

  const cases: { name: string; facts: () => Map<string, NodeFacts>; inventory?: typeof inv; primary: string; reason: string; warnings: string[] }[] = [
    { name: 'fresh nodes: the inventory', facts: () => allFresh(inv), primary: 'node1', reason: 'the inventory names it', warnings: [] },
    {
      name: 'a stopped cluster: its Sentinel files, who agree with the inventory', facts: () => buildClusterFacts(inv, () => 'stopped'),
      primary: 'node1', reason: byFiles('node1, node2, node3'), warnings: [],
    },
    {
      name: 'a stopped cluster after a failover: the primary its Sentinel files record is kept',
      facts: () => stoppedNaming(['node2', 'node2', 'node2']),
      primary: 'node2', reason: byFiles('node1, node2, node3'), warnings: [keeping('node2', 2, byFiles('node1, node2, node3'))],
    },
    {
      name: 'a stopped cluster where one node missed the failover: the files\' majority',
      facts: () => stoppedNaming(['node1', 'node2', 'node2']),
      primary: 'node2', reason: byFiles('node2, node3'),
      warnings: [
        'not every Sentinel file agrees on the primary (node2, node3 name 192.0.2.12; node1 name 192.0.2.11); following the majority',
        keeping('node2', 2, byFiles('node2, node3')),
      ],
    },
    {
      name: 'a Sentinel file on a minority of the nodes (a reused node): the inventory, with a warning',
      facts: () => stoppedNaming(['node3', null, null]),
      primary: 'node1', reason: 'the inventory names it',
      warnings: ['only node1 of 3 nodes has a Sentinel file naming a primary; following the inventory'],
    },
    {
      name: 'only the new primary\'s Redis runs, without replicas: the Sentinel files',
      facts: () => stoppedNaming(['node2', 'node2', 'node2'], [{}, { redis: master([]), redisKeys: 3 }, {}]),
      primary: 'node2', reason: byFiles('node1, node2, node3'), warnings: [keeping('node2', 2, byFiles('node1, node2, node3'))],
    },
    {
      name: 'a configured cluster: the Sentinels, who agree with the inventory', facts: () => configuredCluster(inv),
      primary: 'node1', reason: 'the Sentinels on node1, node2, node3 name it', warnings: [],
    },
    {
      name: 'after a failover: the Sentinels\' primary is kept, with a warning', facts: () => configuredCluster(inv, 'node2'),
      primary: 'node2', reason: 'the Sentinels on node1, node2, node3 name it',
      warnings: [keeping('node2', 2, 'the Sentinels on node1, node2, node3 name it')],
    },
    {
      name: 'a Sentinel that disagrees: the majority, with a warning',
      facts: () => answering([sentinelNames(2), sentinelNames(2), sentinelNames(1)]),
      primary: 'node2', reason: 'the Sentinels on node1, node2 name it',
      warnings: [
        'not every Sentinel agrees on the primary (node1, node2 name 192.0.2.12; node3 name 192.0.2.11); following the majority',
        keeping('node2', 2, 'the Sentinels on node1, node2 name it'),
      ],
    },
    {
      name: 'only one Sentinel answers: it decides', facts: () => answering([{}, {}, sentinelNames(1)]),
      primary: 'node1', reason: 'the Sentinels on node3 name it', warnings: [],
    },
    {
      name: '5 nodes, 3 against 2', inventory: inv5,
      facts: () => answering([sentinelNames(4), sentinelNames(4), sentinelNames(1), sentinelNames(4), sentinelNames(1)], inv5),
      primary: 'node4', reason: 'the Sentinels on node1, node2, node4 name it',
      warnings: [
        'not every Sentinel agrees on the primary (node1, node2, node4 name 192.0.2.14; node3, node5 name 192.0.2.11); following the majority',
        keeping('node4', 4, 'the Sentinels on node1, node2, node4 name it'),
      ],
    },
    {
      name: 'no Sentinel answers, one Redis is a primary with replicas: that one',
      facts: () => answering([{ redis: slaveOf(3) }, { redis: slaveOf(3) }, { redis: master([1, 2]) }]),
      primary: 'node3', reason: 'its Redis is the primary its replicas follow (no Sentinel answered)',
      warnings: [keeping('node3', 3, 'its Redis is the primary its replicas follow (no Sentinel answered)')],
    },
    {
      name: 'a primary whose replicas are not cluster nodes does not count',
      facts: () => answering([{ redis: master([]) }, { redis: { ...master([]), replicas: [{ ip: '198.51.100.7', port: 31415, state: 'online', offset: 1, lag: 0 }] } }, {}]),
      primary: 'node1', reason: 'the inventory names it', warnings: [],
    },
    {
      name: 'standalone nodes holding data of their own: the inventory, and a warning for each other one',
      facts: () => answering([{ redis: master([]), redisKeys: 4 }, { redis: master([]), redisKeys: 2 }, { redis: master([]), redisKeys: 0 }]),
      primary: 'node1', reason: 'the inventory names it',
      warnings: ['node2 holds 2 key(s) of its own; as a replica of node1 it will hold node1\'s data instead (its own is copied into the run\'s snapshot, for a rollback)'],
    },
  ];
  it.each(cases)('$name', ({ facts, inventory, primary, reason, warnings }) => {
    const roles = resolveRoles(inventory ?? inv, facts());
    expect({ primary: roles.primary.name, reason: roles.reason, warnings: roles.warnings }).toEqual({ primary, reason, warnings });
  });

  const errors: { name: string; facts: () => Map<string, NodeFacts>; message: string }[] = [
    {
      name: 'Sentinels split evenly', facts: () => answering([sentinelNames(1), sentinelNames(2), {}]),
      message: 'the Sentinels disagree on the primary (node1 name 192.0.2.11; node2 name 192.0.2.12); resolve that before running up',
    },
    {
      name: 'Sentinels split three ways', facts: () => answering([sentinelNames(1), sentinelNames(2), sentinelNames(3)]),
      message: 'the Sentinels disagree on the primary (node1 name 192.0.2.11; node2 name 192.0.2.12; node3 name 192.0.2.13); resolve that before running up',
    },
    {
      name: 'the Sentinels name a stranger', facts: () => answering([{ sentinelPrimary: { ip: '198.51.100.7', port: 31415 } }, {}, {}]),
      message: 'the Sentinels name 198.51.100.7 as primary, which is not in the inventory (node1 name 198.51.100.7)',
    },
    {
      name: 'stopped, the Sentinel files split evenly', facts: () => stoppedNaming(['node1', 'node2', null]),
      message: 'the Sentinel files disagree on the primary (node1 name 192.0.2.11; node2 name 192.0.2.12); resolve that before running up',
    },
    {
      name: 'two primaries with replicas (a split)', facts: () => answering([{ redis: master([3]) }, { redis: master([3]) }, { redis: slaveOf(1) }]),
      message: 'node1 and node2 are each a primary with replicas; resolve the split before running up',
    },
  ];
  it.each(errors)('refuses: $name', ({ facts, message }) => {
    expect(() => resolveRoles(inv, facts())).toThrow(RolesError);
    expect(() => resolveRoles(inv, facts())).toThrow(message);
  });

  it('after a failover, planning with the roles it resolves changes nothing; with the inventory\'s it would demote the new primary', () => {
    const facts = configuredCluster(inv, 'node2');
    const roles = resolveRoles(inv, facts);
    const count = (plans: ReturnType<typeof plan>) => plans.flatMap((p) => [...p.changes.values()].flat()).length;
    expect(count(plan({ inventory: inv, facts, primary: roles.primary.name }))).toBe(0);
    expect(summaries(nodePlan(plan({ inventory: inv, facts }), 'node2').changes.get('redis-conf')!)).toEqual(['replica of node1: /opt/aspera/etc/redis/aspera_31415.conf']);
  });
});

describe('health verdict', () => {
  const names = ['node1', 'node2', 'node3'];
  /** A healthy node of a cluster whose primary is node `primary` (1-based). */
  function node(n: number, primary = 1, change: Partial<NodeHealthInput> = {}): NodeHealthInput {
    const isPrimary = n === primary;
    return {
      name: names[n - 1]!,
      ip: ip(n),
      reachable: true,
      services: Object.fromEntries(SERVICES.map((s) => [s, { active: 'active', enabled: 'enabled' }])),
      replication: isPrimary
        ? { role: 'master', offset: 500, replicas: [1, 2, 3].filter((r) => r !== n).map((r) => ({ ip: ip(r), port: 31415, state: 'online', offset: 480, lag: 0 })) }
        : { role: 'slave', masterHost: ip(primary), masterPort: 31415, linkUp: true, offset: 480, replicas: [] },
      sentinelPrimary: ip(primary),
      quorum: { ok: true, message: 'OK 3 usable Sentinels' },
      noded: { ok: true, message: 'healthy' },
      ...change,
    };
  }
  const cluster = (changes: Record<number, Partial<NodeHealthInput>> = {}, primary = 1) => [1, 2, 3].map((n) => node(n, primary, changes[n]));
  const inactive = (service: string) => ({ services: { ...node(2).services, [service]: { active: 'inactive', enabled: 'enabled' } } });

  const cases: { name: string; nodes: NodeHealthInput[]; verdict: string; primary: string | null; reasons: string[] }[] = [
    { name: 'everything up and agreeing', nodes: cluster(), verdict: 'healthy', primary: 'node1', reasons: [] },
    { name: 'after a failover, everyone following node2', nodes: cluster({}, 2), verdict: 'healthy', primary: 'node2', reasons: [] },
    {
      name: 'a replica unreachable', nodes: cluster({ 3: { reachable: false, error: 'connect timeout', replication: null, sentinelPrimary: null, quorum: null } }),
      verdict: 'degraded', primary: 'node1', reasons: ['node3: unreachable (connect timeout)'],
    },
    { name: 'a service stopped', nodes: cluster({ 2: inactive('asperanoded') }), verdict: 'degraded', primary: 'node1', reasons: ['node2: asperanoded is inactive'] },
    {
      name: 'a service that would not start at boot',
      nodes: cluster({ 2: { services: { ...node(2).services, asperarund: { active: 'active', enabled: 'disabled' } } } }),
      verdict: 'degraded', primary: 'node1', reasons: ['node2: asperarund is not enabled (would not start at boot)'],
    },
    {
      name: 'a replica whose link is down', nodes: cluster({ 3: { replication: { ...node(3).replication!, linkUp: false } } }),
      verdict: 'degraded', primary: 'node1', reasons: ['node3: replication link to node1 is down'],
    },
    {
      name: 'a replica following another node', nodes: cluster({ 3: { replication: { ...node(3).replication!, masterHost: ip(2) } } }),
      verdict: 'degraded', primary: 'node1', reasons: ['node3: replicates from 192.0.2.12, not 192.0.2.11'],
    },
    {
      name: 'a second primary (standalone again)', nodes: cluster({ 3: { replication: { role: 'master', offset: 0, replicas: [] } } }),
      verdict: 'degraded', primary: 'node1', reasons: ['node3: Redis is a master, expected a replica of node1'],
    },
    {
      name: 'a Sentinel in the minority', nodes: cluster({ 3: { sentinelPrimary: ip(3) } }),
      verdict: 'degraded', primary: 'node1', reasons: ['node3: Sentinel names 192.0.2.13, not the majority\'s primary'],
    },
    {
      name: 'a running Sentinel that names no primary', nodes: cluster({ 3: { sentinelPrimary: null, sentinelError: 'NOAUTH' } }),
      verdict: 'degraded', primary: 'node1', reasons: ['node3: its Sentinel names no primary (NOAUTH)'],
    },
    {
      name: 'asperanoded unhealthy', nodes: cluster({ 1: { noded: { ok: false, message: 'HTTP 500' } } }),
      verdict: 'degraded', primary: 'node1', reasons: ['node1: asperanoded unhealthy (HTTP 500)'],
    },
    {
      name: 'one Sentinel without quorum', nodes: cluster({ 2: { quorum: { ok: false, message: 'NOQUORUM 1 usable Sentinels' } } }),
      verdict: 'degraded', primary: 'node1', reasons: ['node2: SENTINEL CKQUORUM: NOQUORUM 1 usable Sentinels'],
    },
    {
      name: 'no Sentinel with quorum', nodes: [1, 2, 3].map((n) => node(n, 1, { quorum: { ok: false, message: 'NOQUORUM' } })),
      verdict: 'broken', primary: 'node1',
      reasons: [
        'no Sentinel can reach a quorum: a failover could not be authorized',
        'node1: SENTINEL CKQUORUM: NOQUORUM', 'node2: SENTINEL CKQUORUM: NOQUORUM', 'node3: SENTINEL CKQUORUM: NOQUORUM',
      ],
    },
    {
      name: 'the primary\'s Redis down', nodes: cluster({ 1: { replication: null, redisError: 'connection refused' } }),
      verdict: 'broken', primary: 'node1',
      reasons: ['the primary node1 has no working Redis primary', 'node1: Redis does not answer (connection refused)'],
    },
    {
      name: 'no Sentinel names a primary',
      nodes: [1, 2, 3].map((n) => node(n, 1, { sentinelPrimary: null, services: { ...node(n).services, asperaredissentinel: { active: 'failed', enabled: 'enabled' } } })),
      verdict: 'broken', primary: null,
      reasons: ['no Sentinel names a primary', 'node1: asperaredissentinel is failed', 'node2: asperaredissentinel is failed', 'node3: asperaredissentinel is failed'],
    },
    {
      name: 'no majority', nodes: cluster({ 2: { sentinelPrimary: ip(2) }, 3: { sentinelPrimary: ip(3) } }),
      verdict: 'broken', primary: null,
      reasons: [
        'no majority of Sentinels agrees on a primary (node1: 192.0.2.11; node2: 192.0.2.12; node3: 192.0.2.13)',
        'node2: Sentinel names 192.0.2.12, not the majority\'s primary',
        'node3: Sentinel names 192.0.2.13, not the majority\'s primary',
      ],
    },
    { name: 'every Sentinel counts the inventory', nodes: cluster({ 1: { sentinelCounts: { replicas: 2, peers: 2 } } }), verdict: 'healthy', primary: 'node1', reasons: [] },
    {
      name: 'a Sentinel that counts fewer replicas than it should: degraded, naming it (the table said 0/2 under HEALTHY)',
      nodes: cluster({ 1: { sentinelCounts: { replicas: 0, peers: 2 } } }), verdict: 'degraded', primary: 'node1',
      reasons: ['node1: its Sentinel counts 0/2 replica(s) and 2/2 peer(s) (still discovering if the cluster has just started: Sentinel asks the primary every 10 s; else it cannot reach them)'],
    },
    {
      name: 'a Sentinel that counts fewer peers', nodes: cluster({ 3: { sentinelCounts: { replicas: 2, peers: 1 } } }), verdict: 'degraded', primary: 'node1',
      reasons: ['node3: its Sentinel counts 2/2 replica(s) and 1/2 peer(s) (still discovering if the cluster has just started: Sentinel asks the primary every 10 s; else it cannot reach them)'],
    },
    {
      name: 'a Sentinel that still counts a removed node (stale state)', nodes: cluster({ 2: { sentinelCounts: { replicas: 3, peers: 4 } } }),
      verdict: 'degraded', primary: 'node1',
      reasons: ['node2: its Sentinel counts 3 replica(s) and 4 peer(s), the inventory has 2 of each (stale Sentinel state: run up, which resets it)'],
    },
    {
      name: 'the Sentinels name a stranger', nodes: [1, 2, 3].map((n) => node(n, 1, { sentinelPrimary: '198.51.100.7' })),
      verdict: 'broken', primary: null, reasons: ['the Sentinels name 198.51.100.7, which is not a cluster node'],
    },
  ];
  it.each(cases)('$verdict: $name', ({ nodes, verdict, primary, reasons }) => {
    const health = evaluateHealth(nodes);
    expect({ verdict: health.verdict, primary: health.primary, reasons: health.reasons }).toEqual({ verdict, primary, reasons });
  });

  it('reports each node\'s role and each replica\'s lag behind the primary', () => {
    const health = evaluateHealth(cluster({ 3: { replication: { ...node(3).replication!, offset: 100 } } }));
    expect(health.nodes.map((n) => [n.role, n.lagBytes])).toEqual([['primary', undefined], ['replica', 20], ['replica', 400]]);
  });
});

describe('the failover hold: every Sentinel stops while the primary\'s Redis restarts', () => {
  /** Which nodes stop their Sentinel, and which start it again. */
  function held(facts: Map<string, NodeFacts>, primary?: string) {
    const plans = plan({ inventory: inv, facts, primary });
    const touching = (step: string) => plans
      .filter((p) => p.changes.get(step)!.some((c) => c.touches.some((t) => t.kind === 'unit' && t.name === 'asperaredissentinel')))
      .map((p) => p.node.name);
    return { stop: touching('stop-services'), start: touching('start-services') };
  }
  const cluster = (primary: string, overrides: Record<string, { state: NodeState; options?: FactsOptions }>) =>
    new Map([...configuredCluster(inv, primary), ...Object.entries(overrides).map(([name, o]) =>
      [name, buildFacts(inv, name, o.state, { primary, ...o.options })] as const)]);
  const staleRedis = { files: { [HSTS.redisConf]: SHIPPED_REDIS_CONF } };

  const cases: { name: string; facts: () => Map<string, NodeFacts>; primary?: string; stop: string[]; start: string[] }[] = [
    { name: 'nothing changes: no hold', facts: () => configuredCluster(inv), stop: [], start: [] },
    {
      name: 'the primary\'s Redis restarts while the Sentinels run: all held',
      facts: () => cluster('node1', { node1: { state: 'configured primary', options: staleRedis } }),
      stop: ['node1', 'node2', 'node3'], start: ['node1', 'node2', 'node3'],
    },
    {
      name: 'after a failover, the new primary\'s Redis restarts: all held',
      facts: () => cluster('node2', { node2: { state: 'configured primary', options: staleRedis } }), primary: 'node2',
      stop: ['node1', 'node2', 'node3'], start: ['node1', 'node2', 'node3'],
    },
    {
      name: 'a replica\'s Redis restarts: no hold',
      facts: () => cluster('node1', { node3: { state: 'configured replica', options: staleRedis } }), stop: [], start: [],
    },
    {
      name: 'the primary\'s Redis is not running: nothing to fail over from, no hold',
      facts: () => cluster('node1', { node1: { state: 'configured primary', options: { ...staleRedis, units: { asperaredisd: { active: 'failed' } } } } }),
      stop: [], start: [],
    },
    {
      name: 'no Sentinel runs anywhere (a first up): no hold; the Sentinels start',
      facts: () => allFresh(inv), stop: [], start: ['node1', 'node2', 'node3'],
    },
    {
      name: 'only the primary\'s file mode changes: no restart, no hold',
      facts: () => cluster('node1', {
        node1: { state: 'configured primary', options: { files: { [HSTS.redisConf]: { ...configuredFiles(inv, nodeNamed(inv, 'node1'), nodeNamed(inv, 'node1')).find((f) => f.path === HSTS.redisConf)!, mode: '644' } } } },
      }),
      stop: [], start: [],
    },
    {
      name: 'one Sentinel still runs: the hold covers the running ones only',
      facts: () => cluster('node1', {
        node1: { state: 'configured primary', options: staleRedis },
        node2: { state: 'configured replica', options: { units: { asperaredissentinel: { active: 'inactive' } } } },
        node3: { state: 'configured replica', options: { units: { asperaredissentinel: { active: 'inactive' } } } },
      }),
      stop: ['node1'], start: ['node1', 'node2', 'node3'],
    },
  ];
  it.each(cases)('$name', ({ facts, primary, stop, start }) => {
    expect(held(facts(), primary)).toEqual({ stop, start });
  });
});

describe('services to stop and start', () => {
  const restarting = (...restarts: Change['restarts'] & object): Change => ({ step: 'x', summary: 'x', commands: [], touches: [], restarts });
  function ctx(planned: Change[], units: FactsOptions['units'] = {}, holdFailover = false): PlanContext {
    return contextFor(inv, buildFacts(inv, 'node2', 'configured replica', { units }), 'node2', { planned, holdFailover });
  }

  const stops: { name: string; ctx: () => PlanContext; stop: string[] }[] = [
    { name: 'nothing planned: nothing', ctx: () => ctx([]), stop: [] },
    { name: 'Redis\'s file changes: Redis', ctx: () => ctx([restarting('asperaredisd')]), stop: ['asperaredisd'] },
    {
      name: 'everything changes: the Redis clients first, then Sentinel, then Redis',
      ctx: () => ctx([restarting('asperaredisd', 'asperaredissentinel'), restarting('asperarund', 'asperanoded')]),
      stop: ['asperanoded', 'asperarund', 'asperaredissentinel', 'asperaredisd'],
    },
    { name: 'a change that restarts nothing (restarts: [])', ctx: () => ctx([restarting()]), stop: [] },
    { name: 'a service that is not running is not stopped', ctx: () => ctx([restarting('asperanoded', 'asperarund')], { asperanoded: { active: 'failed' } }), stop: ['asperarund'] },
    { name: 'the failover hold alone: Sentinel', ctx: () => ctx([], {}, true), stop: ['asperaredissentinel'] },
    { name: 'the failover hold where Sentinel is stopped: nothing', ctx: () => ctx([], { asperaredissentinel: { active: 'inactive' } }, true), stop: [] },
  ];
  const stopped = (c: PlanContext) => stopServices.plan(c).flatMap((change) => change.touches.map((t) => (t.kind === 'unit' ? t.name : t.kind)));
  it.each(stops)('stop: $name', ({ ctx: c, stop }) => expect(stopped(c())).toEqual(stop));

  const starts: { name: string; ctx: () => PlanContext; want: string[] }[] = [
    { name: 'all running and enabled, nothing stopped: nothing', ctx: () => ctx([]), want: [] },
    { name: 'what was stopped starts again', ctx: () => ctx([restarting('asperanoded')]), want: ['start asperanoded'] },
    { name: 'what is not running starts, though nothing changed', ctx: () => ctx([], { asperarund: { active: 'failed' } }), want: ['start asperarund'] },
    { name: 'a static unit needs no enable', ctx: () => ctx([], { asperanoded: { enabled: 'static' } }), want: [] },
    { name: 'a disabled daemon is enabled', ctx: () => ctx([restarting('asperaredisd')], { asperarund: { enabled: 'disabled' } }), want: ['start asperaredisd; enable asperarund'] },
    { name: 'the Sentinel unit is enabled by the units step, not here', ctx: () => ctx([], { asperaredissentinel: { enabled: 'disabled' } }), want: [] },
    { name: 'the failover hold: Sentinel starts again', ctx: () => ctx([], {}, true), want: ['start asperaredissentinel'] },
  ];
  it.each(starts)('start: $name', ({ ctx: c, want }) => expect(summaries(startServices.plan(c()))).toEqual(want));
});
