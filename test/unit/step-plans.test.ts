/**
 * Every step of src/steps/registry.ts as a table: facts in (built by test/support/facts.ts), the
 * planned changes out (what a person reads, what rollback puts back, what restarts) and the problems
 * its check finds. Each step is planned inside playbooks/up.json (add-transfer-user.json for
 * transfer-users), as a run plans it: stop and start derive from the other steps' changes.
 */
import { describe, expect, it } from 'vitest';
import { resolveRoles } from '../../src/hsts/roles.js';
import { HSTS, STORE_RECORD, keystoreRecordPath, localKeystoreCandidates } from '../../src/hsts/paths.js';
import { STEPS } from '../../src/steps/registry.js';
import { REDIS_CONF_DIR } from '../../src/hsts/directory.js';
import type { FileFact, NodeFacts } from '../../src/steps/types.js';
import {
  SHIPPED_REDIS_CONF, allFresh, askmsRecord, asperaConfXml, buildClusterFacts, buildFacts, buildInventory, configuredCluster,
  configuredFiles, contextFor, holder, nodeNamed, type FactsOptions, type NodeState,
} from '../support/facts.js';
import { factNeeds } from '../../src/runner/facts.js';
import { labels, nodePlan, outline, phasesOf, plan, type Outline, playbookSteps, stepChanges, stepProblems, summaries, type PlanInput } from './plan-helpers.js';

const inv = buildInventory();
const inv5 = buildInventory({ nodes: 5 });
const withNode = (facts: Map<string, NodeFacts>, name: string, state: NodeState, options: FactsOptions = {}, inventory = inv) =>
  new Map([...facts, [name, buildFacts(inventory, name, state, options)]]);

const file = (path: string) => ({ kind: 'file' as const, path });
const opaque = (path: string) => ({ kind: 'opaque-file' as const, path });
const unit = (name: string) => ({ kind: 'unit' as const, name });

/** aspera_31415.conf as up writes it on `name` when `primary` is the primary. */
const redisFile = (inventory: typeof inv, name: string, primary: string) =>
  configuredFiles(inventory, nodeNamed(inventory, name), nodeNamed(inventory, primary)).find((f) => f.path === HSTS.redisConf)!;

/** After a failover: the inventory still says node1, the Sentinels and Redis follow node2. */
const failedOver = () => configuredCluster(inv, 'node2');
/** node1's Redis was demoted at run time; its file still says primary (Sentinel has not rewritten it yet). */
const demotedAtRunTime = () => withNode(failedOver(), 'node1', 'configured replica', {
  primary: 'node2',
  files: { [HSTS.redisConf]: configuredFiles(inv, nodeNamed(inv, 'node1'), nodeNamed(inv, 'node1')).find((f) => f.path === HSTS.redisConf)! },
});
/** The primary's Redis file was reverted to the installer's: its Redis restarts while the Sentinels run. */
const primaryRedisRestarts = () => withNode(configuredCluster(inv), 'node1', 'configured primary', { files: { [HSTS.redisConf]: SHIPPED_REDIS_CONF } });
const replicaRedisRestarts = () => withNode(configuredCluster(inv), 'node2', 'configured replica', { files: { [HSTS.redisConf]: SHIPPED_REDIS_CONF } });

interface PlanCase { name: string; input: () => PlanInput; node: string; want: Outline[] }
const up = (facts: () => Map<string, NodeFacts>, extra: Partial<PlanInput> = {}) => () => ({ inventory: inv, facts: facts(), ...extra });

function table(stepId: string, cases: PlanCase[]) {
  it.each(cases)('$name', ({ input, node, want }) => {
    expect(outline(stepChanges(input(), stepId, node))).toEqual(want);
  });
}

it('the tables cover every step in the registry', () => {
  expect(Object.keys(STEPS).sort()).toEqual(Object.keys(COVERED).sort());
});
// Filled in by each describe below, checked above.
const COVERED: Record<string, true> = {};
const covers = (id: string) => { COVERED[id] = true; return id; };

const shippedUnit = (owner: string, mode: string, links = 1): FileFact => ({
  path: HSTS.shippedSentinelUnit, content: Buffer.from('[Service]\nExecStart=/usr/bin/redis-sentinel x\n'),
  owner, group: owner === 'root' ? 'root' : 'aspadmins', mode, links,
});
const refused = (path: string, reason: string): FileFact => ({ path, content: null, owner: '', group: '', mode: '', refused: reason });

describe(covers('preflight'), () => {
  const problems = (facts: () => Map<string, NodeFacts>, node = 'node1') => stepProblems(up(facts)(), 'preflight', node);
  const fresh = (options: FactsOptions) => () => withNode(allFresh(inv), 'node1', 'fresh HSTS node', options);
  const cases: { name: string; facts: () => Map<string, NodeFacts>; want: string[] }[] = [
    { name: 'a fresh HSTS node passes', facts: () => allFresh(inv), want: [] },
    { name: 'a configured node passes (its Redis and Sentinel hold their own ports)', facts: () => configuredCluster(inv), want: [] },
    { name: 'a stopped node passes', facts: () => buildClusterFacts(inv, () => 'stopped'), want: [] },
    { name: 'after a failover, the inventory\'s primary (now a replica) passes', facts: failedOver, want: [] },
    { name: 'firewalld without iptables persistence passes', facts: fresh({ firewallStack: 'firewalld' }), want: [] },
    { name: 'not root', facts: fresh({ isRoot: false }), want: ['commands do not run as root (check sudo rights of the SSH user)'] },
    {
      name: 'HSTS missing', facts: fresh({ hstsInstalled: false }),
      want: ['HSTS is not installed (/opt/aspera/bin/asconfigurator or /opt/aspera/etc/aspera.conf missing)'],
    },
    {
      name: 'an HSTS without the Sentinel unit', facts: fresh({ files: { [HSTS.shippedSentinelUnit]: null } }),
      want: ['/opt/aspera/etc/redis/asperaredissentinel.service is missing (an HSTS version with Redis HA support is needed)'],
    },
    { name: 'a user the inventory does not list may be missing', facts: fresh({ users: { xfer: false } }), want: [] },
    {
      name: 'IBM\'s programs in a directory the daemon user owns', facts: fresh({ untrustedPrograms: ['/opt/aspera/bin|998|755|directory'] }),
      want: ['hsts-cluster runs asconfigurator, askmscli, asnodeadmin, asredis as root, and another account could replace them: ' +
        '/opt/aspera/bin (directory: owned by uid 998). Make each of these root\'s alone (chown root:root PATH; chmod go-w PATH), as IBM\'s installer leaves them'],
    },
    {
      name: 'the noded user missing', facts: fresh({ users: { asperadaemon: false } }),
      want: ['user asperadaemon does not exist (cluster.nodedUser: the user that runs asperanoded)'],
    },
    {
      name: 'the Sentinel port held by another account\'s program', facts: fresh({ listeners: { 41415: [holder('python3', { pid: 4242, uid: 1500, user: 'mallory' })] } }),
      want: ['port 41415 is held by pid 4242 (python3) as user mallory, not by asperaredissentinel or user asperadaemon'],
    },
    { name: 'the Redis port held by Redis itself', facts: fresh({ listeners: { 31415: [holder('redis-server')], 41415: [holder('redis-sentinel')] } }), want: [] },
    {
      name: 'the Sentinel port on another address (Docker\'s resolver on 127.0.0.11, unseen, root\'s): Sentinel binds the private IP',
      facts: fresh({ listeners: { 41415: [holder('', { address: '127.0.0.11', pid: null, command: null, uid: 0, user: 'root' })] } }), want: [],
    },
    {
      name: 'the Redis port on the private IP, another account\'s', facts: fresh({ listeners: { 31415: [holder('nc', { address: '192.0.2.11', pid: 77, uid: 1500, user: 'mallory' })] } }),
      want: ['port 31415 is held by pid 77 (nc) as user mallory, not by asperaredisd or user asperadaemon'],
    },
    {
      name: 'the Redis port on the private IP mapped into IPv6, and on every IPv6 address: both reach it',
      facts: fresh({ listeners: { 31415: [holder('nc', { address: '[::ffff:192.0.2.11]', pid: 77, uid: 1500, user: 'mallory' }), holder('sh', { address: '[::]', pid: 78, uid: 0, user: 'root' })] } }),
      want: [
        'port 31415 is held by pid 77 (nc) as user mallory, not by asperaredisd or user asperadaemon',
        'port 31415 is held by pid 78 (sh) as user root, not by asperaredisd or user asperadaemon',
      ],
    },
    {
      name: 'the Sentinel port on another node\'s private IP and on loopback: not this node\'s concern',
      facts: fresh({ listeners: { 41415: [holder('nc', { address: '192.0.2.12', pid: 77, uid: 1500, user: 'mallory' }), holder('nc', { address: '127.0.0.1', pid: 77, uid: 1500, user: 'mallory' })] } }), want: [],
    },
    {
      name: 'the Sentinel port is this node\'s Node API port (aspera.conf https_port)', facts: fresh({ files: { [HSTS.asperaConf]: asperaConfXml({ https_port: '41415' }) } }),
      want: ['cluster.sentinelPort 41415 is the HSTS Node API\'s port on this node (/opt/aspera/etc/aspera.conf): choose another'],
    },
    { name: 'a symlinked /opt/aspera/etc/redis', facts: fresh({ directories: { [REDIS_CONF_DIR]: { exists: false, kind: 'symlink' } } }), want: ['/opt/aspera/etc/redis is a symlink (Redis and Sentinel rewrite their files there)'] },
    {
      name: 'an asredis older than 5.0.3 (no REDISCLI_AUTH)', facts: fresh({ asredisVersion: [5, 0, 2] }),
      want: ['/opt/aspera/bin/asredis (redis-cli) is 5.0.2; the password in REDISCLI_AUTH (how hsts-cluster authenticates every asredis call) needs 5.0.3 or later'],
    },
    { name: 'Redis 6.0 (Debian bullseye) passes up\'s pre-flight', facts: fresh({ asredisVersion: [6, 0, 16] }), want: [] },
    { name: 'the Node API moved off 9092 elsewhere: no conflict', facts: fresh({ files: { [HSTS.asperaConf]: asperaConfXml({ https_port: '9443' }) } }), want: [] },
    { name: 'IBM\'s stock Redis: a binary named asperaredisd', facts: fresh({ listeners: { 31415: [holder('asperaredisd')] } }), want: [] },
    {
      name: 'a program named redis-server, run by another account', facts: fresh({ listeners: { 31415: [holder('redis-server', { pid: 777, uid: 1500, user: 'mallory' })] } }),
      want: ['port 31415 is held by pid 777 (redis-server) as user mallory, not by asperaredisd or user asperadaemon'],
    },
    {
      name: 'the Redis unit\'s own process runs as another account than cluster.nodedUser', facts: fresh({ listeners: { 31415: [holder('redis-server', { uid: 1500, user: 'hsts' })] } }),
      want: ['asperaredisd runs as user hsts (its process holds port 31415), not as cluster.nodedUser asperadaemon: name in cluster.nodedUser the account HSTS runs its daemons as, or run asperaredisd as asperadaemon'],
    },
    {
      name: 'asperanoded\'s child serves the Node API (aspera.conf\'s https_port) as another account', facts: fresh({
        files: { [HSTS.asperaConf]: asperaConfXml({ https_port: '9443' }) },
        listeners: { 9443: [holder('asperanoded', { pid: 4100, ancestors: [100, 1], uid: 1500, user: null })] },
      }),
      want: ['asperanoded runs as uid 1500 (its process holds port 9443), not as cluster.nodedUser asperadaemon: name in cluster.nodedUser the account HSTS runs its daemons as, or run asperanoded as asperadaemon'],
    },
    { name: 'a unit\'s process as root is not judged (a daemon may serve from a child of root)', facts: fresh({ listeners: { 9092: [holder('asperanoded', { uid: 0, user: 'root' })] } }), want: [] },
    { name: 'the Node API held by the noded user passes', facts: fresh({ listeners: { 9092: [holder('asperanoded')] } }), want: [] },
    {
      name: 'another account on the Node API port, not the unit\'s process: not pre-flight\'s business', facts: fresh({ listeners: { 9092: [holder('nginx', { pid: 900, uid: 1500, user: 'www' })] } }),
      want: [],
    },
    {
      name: 'a shipped Sentinel unit the daemon user owns', facts: fresh({ files: { [HSTS.shippedSentinelUnit]: shippedUnit('asperadaemon', '644') } }),
      want: [`${HSTS.shippedSentinelUnit} is not installed as root from a file others can change: owned by asperadaemon:aspadmins ` +
        `(it must be root's alone: chown root:root ${HSTS.shippedSentinelUnit}; chmod 644 ${HSTS.shippedSentinelUnit}; and no other name for it)`],
    },
    {
      name: 'a shipped Sentinel unit others can write, with a second name', facts: fresh({ files: { [HSTS.shippedSentinelUnit]: shippedUnit('root', '664', 2) } }),
      want: [`${HSTS.shippedSentinelUnit} is not installed as root from a file others can change: mode 664 lets others write it, 2 hard links ` +
        `(it must be root's alone: chown root:root ${HSTS.shippedSentinelUnit}; chmod 644 ${HSTS.shippedSentinelUnit}; and no other name for it)`],
    },
    {
      name: 'a symlink in place of the Redis file', facts: fresh({ files: { [HSTS.redisConf]: refused(HSTS.redisConf, 'a symlink') } }),
      want: [`refused ${HSTS.redisConf}: a symlink (root reads only a regular file with one link there: put the file back as one, or remove it)`],
    },
    {
      name: 'a FIFO in place of the shipped Sentinel unit (refused, not missing)', facts: fresh({ files: { [HSTS.shippedSentinelUnit]: refused(HSTS.shippedSentinelUnit, 'not a regular file (fifo)') } }),
      want: [`refused ${HSTS.shippedSentinelUnit}: not a regular file (fifo) (root reads only a regular file with one link there: put the file back as one, or remove it)`],
    },
    {
      name: 'firewalld active but unreadable', facts: fresh({ firewallStack: 'firewalld', firewalld: null, firewalldProblem: 'zone file unreadable' }),
      want: ['firewalld is active but its zone could not be read: zone file unreadable'],
    },
    {
      name: 'no way to persist iptables rules', facts: fresh({ firewallStack: 'none' }),
      want: ['no way to persist iptables rules: install iptables-persistent (Debian, Ubuntu) or iptables-services (RHEL), or run firewalld'],
    },
    {
      name: 'a transfer in progress', facts: fresh({ transfers: ['4242 ascp -l 100m file'] }),
      want: ['transfers in progress: 4242 ascp -l 100m file (let them finish, or use --wait-transfers SECONDS)'],
    },
    {
      name: 'several problems at once, each named', facts: fresh({ isRoot: false, listeners: { 31415: [holder('nginx', { pid: 80, uid: 0, user: 'root' })] } }),
      want: ['commands do not run as root (check sudo rights of the SSH user)', 'port 31415 is held by pid 80 (nginx) as user root, not by asperaredisd or user asperadaemon'],
    },
  ];
  it.each(cases)('$name', ({ facts, want }) => expect(problems(facts)).toEqual(want));

  it('finds problems only on the node that has them', () => {
    expect(problems(fresh({ isRoot: false }), 'node2')).toEqual([]);
  });

  it('refuses a node without a transfer user the inventory lists, naming the list', () => {
    const listed = buildInventory({ transferUsers: ['xfer'] });
    const facts = () => withNode(allFresh(listed), 'node2', 'fresh HSTS node', { users: { xfer: false } });
    expect(stepProblems({ inventory: listed, facts: facts() }, 'preflight', 'node2')).toEqual([
      'user xfer does not exist (listed in cluster.transferUsers, which every node must have: create it, or remove it from the list)',
    ]);
  });

  it('plans no change, whatever the node', () => {
    expect(stepChanges(up(() => allFresh(inv))(), 'preflight', 'node1')).toEqual([]);
  });
});

describe(covers('stop-services'), () => {
  table('stop-services', [
    {
      name: 'fresh primary: the daemons whose files change (Sentinel is not running yet)', input: up(() => allFresh(inv)), node: 'node1',
      want: [{ summary: 'stop asperanoded, asperarund, asperaredisd', touches: [unit('asperanoded'), unit('asperarund'), unit('asperaredisd')] }],
    },
    { name: 'configured node: nothing (idempotent)', input: up(() => configuredCluster(inv)), node: 'node2', want: [] },
    { name: 'after a failover, with the Sentinels\' primary: nothing', input: up(failedOver, { primary: 'node2' }), node: 'node1', want: [] },
    {
      name: 'a stopped node with changes: nothing runs, nothing to stop',
      input: up(() => buildClusterFacts(inv, () => 'stopped', { files: { [HSTS.asperaConf]: asperaConfXml({}) } })), node: 'node1', want: [],
    },
    {
      name: 'only aspera.conf changes: the HSTS daemons that read it',
      input: up(() => withNode(configuredCluster(inv), 'node3', 'configured replica', { files: { [HSTS.asperaConf]: asperaConfXml({}) } })), node: 'node3',
      want: [{ summary: 'stop asperanoded, asperarund', touches: [unit('asperanoded'), unit('asperarund')] }],
    },
    {
      name: 'the primary\'s Redis restarts while Sentinels run: its Sentinel is held too',
      input: up(primaryRedisRestarts), node: 'node1',
      want: [{ summary: 'stop asperaredissentinel, asperaredisd', touches: [unit('asperaredissentinel'), unit('asperaredisd')] }],
    },
    {
      name: 'the primary\'s Redis restarts: a replica without changes stops its Sentinel (failover hold)',
      input: up(primaryRedisRestarts), node: 'node3',
      want: [{ summary: 'stop asperaredissentinel', touches: [unit('asperaredissentinel')] }],
    },
    { name: 'a replica\'s Redis restarts: no hold, the other replica stops nothing', input: up(replicaRedisRestarts), node: 'node3', want: [] },
    {
      name: 'a replica\'s Redis restarts: only its Redis stops', input: up(replicaRedisRestarts), node: 'node2',
      want: [{ summary: 'stop asperaredisd', touches: [unit('asperaredisd')] }],
    },
    { name: 'the demoted primary\'s file records its run-time role: no restart', input: up(demotedAtRunTime, { primary: 'node2' }), node: 'node1', want: [] },
  ]);
});

it('stop-services stops each service with systemctl, Redis last', () => {
  expect(labels(stepChanges(up(primaryRedisRestarts)(), 'stop-services', 'node1'))).toEqual(['systemctl stop asperaredissentinel', 'systemctl stop asperaredisd']);
});

describe(covers('aspera-conf'), () => {
  const all = { touches: [file(HSTS.asperaConf)], restarts: ['asperanoded', 'asperarund'] };
  table('aspera-conf', [
    { name: 'fresh node: every database key', input: up(() => allFresh(inv)), node: 'node2', want: [{ summary: 'set db_type, db_host, db_port, db_primaryset in aspera.conf', ...all }] },
    { name: 'configured node: nothing (idempotent)', input: up(() => configuredCluster(inv)), node: 'node1', want: [] },
    { name: 'after a failover: nothing (aspera.conf names every Sentinel, not the primary)', input: up(failedOver, { primary: 'node2' }), node: 'node2', want: [] },
    {
      name: 'a cluster grown from 3 to 5 nodes: the Sentinel list only',
      input: () => ({ inventory: inv5, facts: withNode(configuredCluster(inv5), 'node4', 'configured replica', { files: { [HSTS.asperaConf]: configuredFiles(inv, inv.nodes[1]!, inv.nodes[0]!)[0]!.content!.toString() } }, inv5) }),
      node: 'node4',
      want: [{ summary: 'set db_host, db_port in aspera.conf', ...all }],
    },
  ]);

  it('runs asconfigurator once per key, then reads <server> back', () => {
    const changes = stepChanges(up(() => allFresh(inv))(), 'aspera-conf', 'node1');
    expect(labels(changes)).toEqual([
      'asconfigurator -x \'set_server_data;db_type,ha_redis\'',
      'asconfigurator -x \'set_server_data;db_host,"192.0.2.11,192.0.2.12,192.0.2.13"\'',
      'asconfigurator -x \'set_server_data;db_port,"41415,41415,41415"\'',
      'asconfigurator -x \'set_server_data;db_primaryset,myprimary\'',
      'check <server> in /opt/aspera/etc/aspera.conf',
    ]);
  });
});

describe(covers('redis-conf'), () => {
  const path = HSTS.redisConf;
  table('redis-conf', [
    { name: 'fresh primary: its own data stays', input: up(() => allFresh(inv)), node: 'node1', want: [{ summary: `primary: ${path}`, touches: [file(path)], restarts: ['asperaredisd'] }] },
    {
      name: 'fresh replica: its first sync replaces its data (redis-data is snapshotted)', input: up(() => allFresh(inv)), node: 'node3',
      want: [{ summary: `replica of node1: ${path}`, touches: [file(path), { kind: 'redis-data' }], restarts: ['asperaredisd'] }],
    },
    { name: 'configured primary: nothing (idempotent)', input: up(() => configuredCluster(inv)), node: 'node1', want: [] },
    { name: 'configured replica: nothing (idempotent)', input: up(() => configuredCluster(inv)), node: 'node2', want: [] },
    {
      name: 'a root-owned /opt/aspera/etc/redis: chowned to the noded user, mode kept (Sentinel could not save)',
      input: up(() => withNode(configuredCluster(inv), 'node2', 'configured replica', { directories: { [REDIS_CONF_DIR]: { uid: 0, gid: 0, owner: 'root', group: 'root', mode: '755' } } })),
      node: 'node2',
      want: [{ summary: `${REDIS_CONF_DIR}: root:root 755 -> asperadaemon:aspadmins 755 (Redis and Sentinel save their files there)`, touches: [{ kind: 'directory', path: REDIS_CONF_DIR }], restarts: undefined }],
    },
    {
      name: 'owned by the noded user without write: u+wx added',
      input: up(() => withNode(configuredCluster(inv), 'node2', 'configured replica', { directories: { [REDIS_CONF_DIR]: { mode: '555' } } })),
      node: 'node2',
      want: [{ summary: `${REDIS_CONF_DIR}: asperadaemon:aspadmins 555 -> asperadaemon:aspadmins 755 (Redis and Sentinel save their files there)`, touches: [{ kind: 'directory', path: REDIS_CONF_DIR }], restarts: undefined }],
    },
    {
      name: 'root-owned but group-writable for the noded user\'s group: nothing',
      input: up(() => withNode(configuredCluster(inv), 'node2', 'configured replica', { directories: { [REDIS_CONF_DIR]: { uid: 0, owner: 'root', mode: '775' } } })),
      node: 'node2', want: [],
    },
    { name: 'configured 5-node replica: nothing', input: () => ({ inventory: inv5, facts: configuredCluster(inv5) }), node: 'node5', want: [] },
    { name: 'after a failover, the inventory\'s primary is a replica: nothing', input: up(failedOver, { primary: 'node2' }), node: 'node1', want: [] },
    { name: 'after a failover, the new primary: nothing', input: up(failedOver, { primary: 'node2' }), node: 'node2', want: [] },
    {
      name: 'after a failover Redis already runs as a replica of node2: the file records it, no restart, no data lost',
      input: up(demotedAtRunTime, { primary: 'node2' }), node: 'node1',
      want: [{ summary: `replica of node2: ${path} (records the role Redis already runs with; no restart)`, touches: [file(path)], restarts: [] }],
    },
    {
      name: 'after a failover the promoted node\'s file still says replicaof node1: recorded, no restart',
      input: up(() => withNode(failedOver(), 'node2', 'configured primary', {
        primary: 'node2', files: { [path]: redisFile(inv, 'node2', 'node1') },
      }), { primary: 'node2' }),
      node: 'node2',
      want: [{ summary: `primary: ${path} (records the role Redis already runs with; no restart)`, touches: [file(path)], restarts: [] }],
    },
    {
      name: 'after a failover the other replica\'s file still follows node1: recorded, no restart',
      input: up(() => withNode(failedOver(), 'node3', 'configured replica', {
        primary: 'node2', files: { [path]: redisFile(inv, 'node3', 'node1') },
      }), { primary: 'node2' }),
      node: 'node3',
      want: [{ summary: `replica of node2: ${path} (records the role Redis already runs with; no restart)`, touches: [file(path)], restarts: [] }],
    },
    {
      name: 'a replica that still runs standalone although its file follows the old primary: restarted, its data replaced',
      input: up(() => withNode(failedOver(), 'node3', 'configured replica', {
        primary: 'node2', files: { [path]: redisFile(inv, 'node3', 'node1') }, runtime: { redis: { role: 'master', offset: 0, replicas: [] }, redisKeys: 1 },
      }), { primary: 'node2' }),
      node: 'node3',
      want: [{ summary: `replica of node2: ${path}`, touches: [file(path), { kind: 'redis-data' }], restarts: ['asperaredisd'] }],
    },
    {
      name: 'only the mode is wrong: fixed without a restart',
      input: up(() => withNode(configuredCluster(inv), 'node2', 'configured replica', {
        files: { [path]: { ...configuredFiles(inv, inv.nodes[1]!, inv.nodes[0]!).find((f) => f.path === path)!, mode: '644' } },
      })),
      node: 'node2',
      want: [{ summary: `replica of node1: ${path} (owner and mode only)`, touches: [file(path)] }],
    },
  ]);

  it('gives the Redis and Sentinel files to the inventory\'s noded user, not to asperadaemon by name, and a configured cluster stays as it is', () => {
    const own = buildInventory({ nodedUser: 'hstsd' });
    const fresh = { inventory: own, facts: allFresh(own) };
    for (const [step, path] of [['redis-conf', HSTS.redisConf], ['sentinel-conf', HSTS.sentinelConf]] as const) {
      const write = stepChanges(fresh, step, 'node2').flatMap((c) => c.commands).find((c) => c.label.startsWith(`write ${path}`));
      expect(write?.label).toBe(`write ${path} (hstsd:aspadmins 640)`);
      expect(stepChanges({ inventory: own, facts: configuredCluster(own) }, step, 'node2')).toEqual([]);
    }
  });

  it('never shows the password in the diff', () => {
    const [change] = stepChanges(up(() => allFresh(inv))(), 'redis-conf', 'node2');
    expect(change!.diff).toContain('requirepass');
    expect(change!.diff).not.toContain(inv.cluster.redisPassword.reveal());
  });
});

describe(covers('sentinel-conf'), () => {
  const path = HSTS.sentinelConf;
  table('sentinel-conf', [
    {
      name: 'fresh node: a new file', input: up(() => allFresh(inv)), node: 'node2',
      want: [{ summary: `Sentinel monitors myprimary at node1: ${path}`, touches: [file(path)], restarts: ['asperaredissentinel'] }],
    },
    { name: 'configured node: nothing (idempotent)', input: up(() => configuredCluster(inv)), node: 'node3', want: [] },
    { name: 'after a failover, with the Sentinels\' primary: nothing', input: up(failedOver, { primary: 'node2' }), node: 'node1', want: [] },
    {
      name: 'a Sentinel that monitors another primary than the run\'s is rewritten',
      input: up(() => configuredCluster(inv), { primary: 'node3' }), node: 'node2',
      want: [{ summary: `Sentinel monitors myprimary at node3: ${path}`, touches: [file(path)], restarts: ['asperaredissentinel'] }],
    },
    {
      name: 'a 5-node cluster where a Sentinel knows only 3 peers',
      input: () => ({ inventory: inv5, facts: withNode(configuredCluster(inv5), 'node2', 'configured replica', { files: { [path]: configuredFiles(inv, inv.nodes[1]!, inv.nodes[0]!).find((f) => f.path === path)!.content!.toString() } }, inv5) }),
      node: 'node2',
      want: [{ summary: `Sentinel monitors myprimary at node1: ${path}`, touches: [file(path)], restarts: ['asperaredissentinel'] }],
    },
  ]);
});

describe(covers('units'), () => {
  const installed = HSTS.installedSentinelUnit;
  const dropIn = HSTS.redisUmaskDropIn;
  table('units', [
    {
      name: 'fresh node: umask drop-in, Sentinel unit, enable', input: up(() => allFresh(inv)), node: 'node1',
      want: [
        { summary: `install ${dropIn} (applies from asperaredisd's next start)`, touches: [file(dropIn)] },
        { summary: `install ${installed}`, touches: [file(installed)], restarts: ['asperaredissentinel'] },
        { summary: 'systemctl enable asperaredissentinel', touches: [unit('asperaredissentinel')] },
      ],
    },
    { name: 'configured node: nothing (idempotent)', input: up(() => configuredCluster(inv)), node: 'node2', want: [] },
    { name: 'after a failover: nothing', input: up(failedOver, { primary: 'node2' }), node: 'node1', want: [] },
    {
      name: 'Sentinel unit disabled by hand: enable only',
      input: up(() => withNode(configuredCluster(inv), 'node2', 'configured replica', { units: { asperaredissentinel: { enabled: 'disabled' } } })), node: 'node2',
      want: [{ summary: 'systemctl enable asperaredissentinel', touches: [unit('asperaredissentinel')] }],
    },
    {
      name: 'HSTS already runs Redis with a private umask: no drop-in',
      input: up(() => withNode(configuredCluster(inv), 'node2', 'configured replica', { files: { [dropIn]: null }, units: { asperaredisd: { umask: '0077' } } })), node: 'node2',
      want: [],
    },
    {
      name: 'the drop-in was removed by hand: put back, no restart',
      input: up(() => withNode(configuredCluster(inv), 'node2', 'configured replica', { files: { [dropIn]: null }, units: { asperaredisd: { umask: '0022' } } })), node: 'node2',
      want: [{ summary: `install ${dropIn} (applies from asperaredisd's next start)`, touches: [file(dropIn)] }],
    },
  ]);

  it('reloads systemd itself only when it does not enable the unit (enable reloads)', () => {
    const removed = up(() => withNode(configuredCluster(inv), 'node2', 'configured replica', { files: { [installed]: null } }))();
    expect(labels(stepChanges(removed, 'units', 'node2'))).toEqual([`write ${installed} (root:root 644)`, 'systemctl daemon-reload']);
    expect(labels(stepChanges(up(() => allFresh(inv))(), 'units', 'node2'))).not.toContain('systemctl daemon-reload');
  });
});

describe(covers('keystores'), () => {
  const renewed = (user: string) => ({
    summary: `make the keystore of ${user} (askmscli -i -u ${user}): the Redis password is stored again`,
    touches: [...localKeystoreCandidates(user).map(opaque), file(keystoreRecordPath(user)), { kind: 'user' as const, name: user }],
    ...(user === 'asperadaemon' ? { restarts: ['asperanoded', 'asperarund'] } : {}),
  });
  const store = (reason: string) => ({
    summary: `store the Redis password (askmscli -s redis-password): ${reason}`,
    touches: [opaque(HSTS.rootKeystore), file(STORE_RECORD)],
    restarts: ['asperanoded', 'asperarund'],
  });
  const withAlice = buildInventory({ transferUsers: ['alice'] });
  table('keystores', [
    {
      name: 'fresh node: store the password, then every keystore', input: up(() => allFresh(inv)), node: 'node1',
      want: [store('no record of what askmscli holds: run once'), renewed('asperadaemon')],
    },
    { name: 'configured node: nothing (idempotent)', input: up(() => configuredCluster(inv)), node: 'node1', want: [] },
    { name: 'after a failover: nothing', input: up(failedOver, { primary: 'node2' }), node: 'node3', want: [] },
    {
      name: 'the inventory\'s password changed: store again, renew every keystore',
      input: () => ({ inventory: buildInventory({ password: 'a-new-password' }), facts: configuredCluster(inv) }), node: 'node2',
      want: [store('the inventory\'s password is not the one hsts-cluster last stored'), renewed('asperadaemon')],
    },
    {
      name: 'a transfer user added to the inventory: its keystore only',
      input: () => ({ inventory: withAlice, facts: withNode(configuredCluster(withAlice), 'node2', 'configured replica', { files: { [keystoreRecordPath('alice')]: null } }, withAlice) }),
      node: 'node2',
      want: [{ summary: 'make the keystore of alice (askmscli -i -u alice): no record of what askmscli holds: run once', touches: [...localKeystoreCandidates('alice').map(opaque), file(keystoreRecordPath('alice')), { kind: 'user' as const, name: 'alice' }] }],
    },
  ]);

  it('hands the password to askmscli on stdin only', () => {
    const [change] = stepChanges(up(() => allFresh(inv))(), 'keystores', 'node1');
    for (const command of change!.commands) {
      expect(command.label).not.toContain(inv.cluster.redisPassword.reveal());
      expect(command.code).not.toContain(inv.cluster.redisPassword.reveal());
    }
  });
});

describe(covers('firewall'), () => {
  const stack = (firewallStack: FactsOptions['firewallStack'], configured = false) =>
    up(() => (configured ? configuredCluster(inv, undefined, { firewallStack }) : buildClusterFacts(inv, () => 'fresh HSTS node', { firewallStack })));
  const rebuild = { summary: 'iptables: rebuild chain HSTS-CLUSTER and its INPUT jump', touches: [{ kind: 'firewall' as const }] };
  table('firewall', [
    {
      name: 'fresh Debian node: chain, persisted rules, netfilter-persistent enabled', input: stack('netfilter-persistent'), node: 'node1',
      want: [
        rebuild,
        { summary: 'persist the rules in /etc/iptables/rules.v4 (netfilter-persistent)', touches: [file('/etc/iptables/rules.v4')] },
        { summary: 'systemctl enable netfilter-persistent (loads the rules at boot)', touches: [unit('netfilter-persistent')] },
      ],
    },
    {
      name: 'fresh RHEL node with iptables-services', input: stack('iptables-services'), node: 'node2',
      want: [
        rebuild,
        { summary: 'persist the rules in /etc/sysconfig/iptables (iptables-services)', touches: [file('/etc/sysconfig/iptables')] },
        { summary: 'systemctl enable iptables (loads the rules at boot)', touches: [unit('iptables')] },
      ],
    },
    {
      name: 'fresh firewalld node: rich rules, permanent and runtime', input: stack('firewalld'), node: 'node3',
      want: [{ summary: 'firewalld zone public: rich rules for the Redis and Sentinel ports (permanent and runtime)', touches: [{ kind: 'firewalld' }] }],
    },
    {
      name: 'firewalld reloaded since (runtime lost): runtime only',
      input: up(() => withNode(configuredCluster(inv, undefined, { firewallStack: 'firewalld' }), 'node2', 'configured replica', {
        firewallStack: 'firewalld',
        firewalld: { zone: 'public', runtime: [], permanent: buildFacts(inv, 'node2', 'configured replica', { firewallStack: 'firewalld' }).firewalld!.permanent, files: [] },
      })),
      node: 'node2',
      want: [{ summary: 'firewalld zone public: rich rules for the Redis and Sentinel ports (runtime)', touches: [{ kind: 'firewalld' }] }],
    },
    { name: 'configured Debian node: nothing (idempotent)', input: stack('netfilter-persistent', true), node: 'node2', want: [] },
    { name: 'configured RHEL node: nothing (idempotent)', input: stack('iptables-services', true), node: 'node2', want: [] },
    { name: 'configured firewalld node: nothing (idempotent)', input: stack('firewalld', true), node: 'node2', want: [] },
    { name: 'after a failover: nothing (the rules name every node)', input: up(failedOver, { primary: 'node2' }), node: 'node1', want: [] },
    {
      name: 'a duplicated jump (someone ran the specification\'s iptables -A again): rebuild',
      input: up(() => withNode(configuredCluster(inv), 'node3', 'configured replica', {
        firewall: { ...buildFacts(inv, 'node3', 'configured replica').firewall, jumps: [...buildFacts(inv, 'node3', 'configured replica').firewall.jumps, ...buildFacts(inv, 'node3', 'configured replica').firewall.jumps] },
      })),
      node: 'node3',
      want: [rebuild],
    },
    {
      name: 'two nodes added to the inventory: the chain and the persisted rules change',
      input: () => {
        const asBefore = buildFacts(inv, 'node1', 'configured primary');
        const rules = asBefore.files.get('/etc/iptables/rules.v4')!;
        return { inventory: inv5, facts: withNode(configuredCluster(inv5), 'node1', 'configured primary', { firewall: asBefore.firewall, files: { [rules.path]: rules } }, inv5) };
      },
      node: 'node1',
      want: [rebuild, { summary: 'persist the rules in /etc/iptables/rules.v4 (netfilter-persistent)', touches: [file('/etc/iptables/rules.v4')] }],
    },
  ]);
});

describe('firewall commands', () => {
  it.each([
    {
      stack: 'netfilter-persistent' as const,
      want: ['iptables-restore --noflush (chain HSTS-CLUSTER, one transaction)', 'mkdir -p /etc/iptables', 'write /etc/iptables/rules.v4 (root:root 640)', 'systemctl enable netfilter-persistent'],
    },
    {
      stack: 'iptables-services' as const,
      want: ['iptables-restore --noflush (chain HSTS-CLUSTER, one transaction)', 'mkdir -p /etc/sysconfig', 'write /etc/sysconfig/iptables (root:root 640)', 'systemctl enable iptables'],
    },
    { stack: 'firewalld' as const, want: ['firewall-cmd --permanent --zone=public --add-rich-rule (8 rules)', 'firewall-cmd --zone=public --add-rich-rule (8 rules)'] },
  ])('on a fresh $stack node', ({ stack, want }) => {
    expect(labels(stepChanges(up(() => allFresh(inv).set('node2', buildFacts(inv, 'node2', 'fresh HSTS node', { firewallStack: stack })))(), 'firewall', 'node2'))).toEqual(want);
  });
});

describe(covers('start-services'), () => {
  const all = ['asperaredisd', 'asperaredissentinel', 'asperanoded', 'asperarund'];
  table('start-services', [
    {
      name: 'fresh node: all four in the procedure\'s order', input: up(() => allFresh(inv)), node: 'node1',
      want: [{ summary: `start ${all.join(', ')}`, touches: all.map(unit) }],
    },
    { name: 'configured node: nothing (idempotent)', input: up(() => configuredCluster(inv)), node: 'node1', want: [] },
    { name: 'after a failover, with the Sentinels\' primary: nothing', input: up(failedOver, { primary: 'node2' }), node: 'node1', want: [] },
    {
      name: 'a stopped configured node: started, though nothing changes', input: up(() => buildClusterFacts(inv, (n) => (n.name === 'node1' ? 'configured primary' : 'stopped'))), node: 'node2',
      want: [{ summary: `start ${all.join(', ')}`, touches: all.map(unit) }],
    },
    {
      name: 'a daemon disabled at boot: enabled, not restarted',
      input: up(() => withNode(configuredCluster(inv), 'node3', 'configured replica', { units: { asperanoded: { enabled: 'disabled' } } })), node: 'node3',
      want: [{ summary: 'enable asperanoded', touches: [unit('asperanoded')] }],
    },
    {
      name: 'the failover hold: a replica starts the Sentinel it stopped', input: up(primaryRedisRestarts), node: 'node2',
      want: [{ summary: 'start asperaredissentinel', touches: [unit('asperaredissentinel')] }],
    },
    {
      name: 'the failover hold: the primary starts Redis, then its Sentinel', input: up(primaryRedisRestarts), node: 'node1',
      want: [{ summary: 'start asperaredisd, asperaredissentinel', touches: [unit('asperaredisd'), unit('asperaredissentinel')] }],
    },
  ]);

  it('waits for Redis after starting it; the primary lets replicas sync at once, a replica waits for its link', () => {
    const primary = labels(stepChanges(up(() => allFresh(inv))(), 'start-services', 'node1'));
    expect(primary.filter((l) => l.startsWith('systemctl'))).toEqual(all.map((s) => `systemctl start ${s}`));
    expect(primary[1]).toMatch(/192\.0\.2\.11:31415 .*PING/);
    expect(primary.some((l) => /repl-diskless-sync-delay 0/.test(l))).toBe(true);
    expect(primary.some((l) => /link to/.test(l))).toBe(false);
    const replica = labels(stepChanges(up(() => allFresh(inv))(), 'start-services', 'node3'));
    expect(replica.some((l) => /repl-diskless-sync-delay/.test(l))).toBe(false);
    expect(replica.at(-1)).toMatch(/192\.0\.2\.13:31415 .*link to 192\.0\.2\.11 up/);
  });

  it('after a failover a restarted replica waits for its link to the Sentinels\' primary', () => {
    const facts = withNode(failedOver(), 'node3', 'configured replica', { primary: 'node2', files: { [HSTS.redisConf]: SHIPPED_REDIS_CONF } });
    expect(labels(stepChanges({ inventory: inv, facts, primary: 'node2' }, 'start-services', 'node3')).at(-1)).toMatch(/link to 192\.0\.2\.12 up/);
  });
});

describe(covers('verify'), () => {
  it.each([
    { name: 'fresh node', facts: () => allFresh(inv) },
    { name: 'configured node', facts: () => configuredCluster(inv) },
  ])('plans no change: $name', ({ facts }) => {
    expect(stepChanges(up(facts)(), 'verify', 'node2')).toEqual([]);
  });
  /** The readiness checks the verify step runs on a node after the run's changes. */
  function checks(facts: Map<string, NodeFacts>, name: string, primary?: string, inventory = inv) {
    const planned = [...nodePlan(plan({ inventory, facts, primary }), name).changes.values()].flat();
    return STEPS.verify!.readinessChecks!(contextFor(inventory, facts.get(name)!, name, { planned, primary })).map((c) => c.label);
  }

  it('on the primary: Redis answers, sees every replica, the Sentinels agree, know their peers and replicas, reach quorum, asperanoded is healthy', () => {
    const got = checks(configuredCluster(inv5), 'node1', undefined, inv5);
    expect(got).toHaveLength(7);
    expect(got[0]).toMatch(/192\.0\.2\.11:31415 .*PING/);
    expect(got[1]).toMatch(/primary at 192\.0\.2\.11:31415 sees 4 replica/);
    expect(got[2]).toMatch(/Sentinel at 192\.0\.2\.11:41415 names 192\.0\.2\.11 as primary of myprimary/);
    expect(got[3]).toMatch(/connected to its 4 peer/);
    expect(got[4]).toMatch(/Sentinel at 192\.0\.2\.11:41415 has found its 4 replica/);
    expect(got[5]).toMatch(/quorum for myprimary/);
    expect(got[6]).toMatch(/asperanoded \(as asperadaemon/);
  });

  it('on a replica after a failover: its link to the Sentinels\' primary', () => {
    const got = checks(failedOver(), 'node1', 'node2');
    expect(got[1]).toMatch(/replica at 192\.0\.2\.11:31415 reports its link to 192\.0\.2\.12 up/);
    expect(got[2]).toMatch(/names 192\.0\.2\.12 as primary/);
  });

  it('sets the primary\'s sync delay back only when this run started the primary\'s Redis', () => {
    const delay = (labels: string[]) => labels.filter((l) => /repl-diskless-sync-delay/.test(l));
    expect(delay(checks(allFresh(inv), 'node1'))).toEqual([expect.stringMatching(/repl-diskless-sync-delay 5 /)]);
    expect(delay(checks(allFresh(inv), 'node2'))).toEqual([]);
    expect(delay(checks(configuredCluster(inv), 'node1'))).toEqual([]);
  });

  it('has no pre-flight check of its own', () => {
    expect(stepProblems(up(() => allFresh(inv))(), 'verify', 'node1')).toEqual([]);
  });
});

describe(covers('transfer-users'), () => {
  const withUsers = buildInventory({ transferUsers: ['alice', 'bob'] });
  const configured = (options: FactsOptions = {}) => withNode(configuredCluster(withUsers), 'node2', 'configured replica', options, withUsers);
  const noKeystores = { [keystoreRecordPath('alice')]: null, [keystoreRecordPath('bob')]: null };
  /** `shell`: add-transfer-user --create with that login shell (action.ts: --shell, else /bin/aspshell). */
  const input = (facts: Map<string, NodeFacts>, shell?: string): PlanInput =>
    ({ inventory: withUsers, facts, steps: playbookSteps('add-transfer-user'), options: shell ? { createUsers: { shell } } : {} });
  const keystore = (user: string) => ({
    summary: `make the keystore of ${user} (askmscli -i -u ${user}): no record of what askmscli holds: run once`,
    touches: [...localKeystoreCandidates(user).map(opaque), file(keystoreRecordPath(user)), { kind: 'user' as const, name: user }],
  });
  const create = (user: string, shell: string) => ({ summary: `create the OS user ${user} (useradd --create-home --shell ${shell})`, touches: [{ kind: 'user' as const, name: user }] });
  const noAspshell = "aspshell (/bin/aspshell), IBM's restricted shell for transfer users, is not on this node: install it with HSTS, or pass --shell /bin/bash to give the new users a full login shell";

  const cases: { name: string; facts: () => Map<string, NodeFacts>; shell?: string; problems: string[]; want: Outline[] }[] = [
    { name: 'new users that exist: their keystores', facts: () => configured({ files: noKeystores }), problems: [], want: [keystore('alice'), keystore('bob')] },
    { name: 'done already: nothing (idempotent)', facts: () => configured(), problems: [], want: [] },
    {
      name: 'a missing OS user without --create: a problem, nothing to create',
      facts: () => configured({ files: noKeystores, users: { bob: false } }),
      problems: ['user bob does not exist (create it, or pass --create)'],
      want: [keystore('alice'), keystore('bob')],
    },
    {
      name: 'a missing OS user with --create: created with IBM\'s aspshell, then its keystore',
      facts: () => configured({ files: noKeystores, users: { bob: false } }), shell: '/bin/aspshell', problems: [],
      want: [create('bob', '/bin/aspshell'), keystore('alice'), keystore('bob')],
    },
    {
      name: 'a missing OS user with --create --shell /bin/bash: created with bash',
      facts: () => configured({ files: noKeystores, users: { bob: false }, shells: { '/bin/aspshell': false } }), shell: '/bin/bash', problems: [],
      want: [create('bob', '/bin/bash'), keystore('alice'), keystore('bob')],
    },
    {
      name: '--create where aspshell is missing: a problem saying where it comes from and the way out',
      facts: () => configured({ files: noKeystores, users: { bob: false }, shells: { '/bin/aspshell': false } }), shell: '/bin/aspshell',
      problems: [noAspshell],
      want: [create('bob', '/bin/aspshell'), keystore('alice'), keystore('bob')],
    },
    {
      name: '--create --shell where that shell is missing: a problem naming it and the users',
      facts: () => configured({ files: noKeystores, users: { alice: false, bob: false } }), shell: '/usr/bin/zsh',
      problems: ['the login shell /usr/bin/zsh (--shell) is not an executable file on this node, for the new users alice, bob: install it, or pass another --shell'],
      want: [create('alice', '/usr/bin/zsh'), create('bob', '/usr/bin/zsh'), keystore('alice'), keystore('bob')],
    },
    {
      name: '--create where aspshell is missing but no user is: no problem (nothing to create here)',
      facts: () => configured({ files: noKeystores, shells: { '/bin/aspshell': false } }), shell: '/bin/aspshell', problems: [],
      want: [keystore('alice'), keystore('bob')],
    },
    {
      name: 'a node up never configured: a problem naming the record',
      facts: () => withNode(configuredCluster(withUsers), 'node2', 'fresh HSTS node', {}, withUsers), problems: [
        `hsts-cluster has no record of storing the Redis password with askmscli (${STORE_RECORD}): run hsts-cluster up first`,
      ],
      want: [keystore('alice'), keystore('bob')],
    },
    {
      name: 'a password changed since up: a problem',
      facts: () => configured({ files: { [STORE_RECORD]: askmsRecord('an-older-password') } }),
      problems: ['the Redis password hsts-cluster last stored with askmscli is not the inventory\'s: run hsts-cluster up first'],
      want: [],
    },
    {
      name: 'not root: the basics first', facts: () => configured({ isRoot: false }),
      problems: ['commands do not run as root (check sudo rights of the SSH user)'], want: [],
    },
  ];
  it.each(cases)('$name', ({ facts, shell, problems, want }) => {
    expect(stepProblems(input(facts(), shell), 'transfer-users', 'node2')).toEqual(problems);
    expect(outline(stepChanges(input(facts(), shell), 'transfer-users', 'node2'))).toEqual(want);
  });

  it('creates the user with its login shell, then runs askmscli, then records what it holds', () => {
    const changes = stepChanges(input(configured({ files: { [keystoreRecordPath('alice')]: null }, users: { alice: false } }), '/bin/aspshell'), 'transfer-users', 'node2');
    expect(labels(changes)).toEqual([
      'useradd --create-home --shell /bin/aspshell alice',
      'askmscli -i -u alice',
      `record in ${keystoreRecordPath('alice')} what askmscli now holds (salted scrypt hash)`,
    ]);
    expect(changes[0]!.commands[0]!.code).toBe("useradd --create-home --shell '/bin/aspshell' 'alice'");
  });

  it.each([
    ['without --create: no shell asked', undefined, undefined],
    ['with --create: its login shell asked, in the first round trip', '/bin/aspshell', ['/bin/aspshell']],
  ])('reads %s', (_name, shell, shells) => {
    const node = nodeNamed(withUsers, 'node2');
    const options = { waitTimeoutMs: 0, ...(shell ? { createUsers: { shell } } : {}) };
    expect(factNeeds(phasesOf(playbookSteps('add-transfer-user')).map((p) => p.step), withUsers, node, options).shells).toEqual(shells);
  });

  it('works on every node, the primary after a failover too', () => {
    const facts = withNode(configuredCluster(withUsers, 'node2'), 'node2', 'configured primary', { files: noKeystores }, withUsers);
    expect(summaries(stepChanges({ ...input(facts), primary: 'node2' }, 'transfer-users', 'node2'))).toHaveLength(2);
  });
});

describe('up as a whole: which steps change what, per node', () => {
  const changing = (input: PlanInput) => Object.fromEntries(plan(input).map((p) =>
    [p.node.name, [...p.changes].filter(([, changes]) => changes.length > 0).map(([id]) => id)]));
  const every = ['stop-services', 'aspera-conf', 'redis-conf', 'sentinel-conf', 'units', 'keystores', 'firewall', 'start-services'];
  const same = <T>(inventory: typeof inv, value: T) => Object.fromEntries(inventory.nodes.map((n) => [n.name, value]));

  const cases: { name: string; input: () => PlanInput; want: Record<string, string[]> }[] = [
    { name: 'fresh 3 nodes: every step but preflight and verify', input: up(() => allFresh(inv)), want: same(inv, every) },
    { name: 'fresh 5 nodes: the same', input: () => ({ inventory: inv5, facts: allFresh(inv5) }), want: same(inv5, every) },
    { name: 'configured 3 nodes: nothing', input: up(() => configuredCluster(inv)), want: same(inv, []) },
    { name: 'configured 5 nodes: nothing', input: () => ({ inventory: inv5, facts: configuredCluster(inv5) }), want: same(inv5, []) },
    { name: 'after a failover, with the Sentinels\' primary: nothing', input: up(failedOver, { primary: 'node2' }), want: same(inv, []) },
    { name: 'configured on a firewalld stack: nothing', input: up(() => configuredCluster(inv, undefined, { firewallStack: 'firewalld' })), want: same(inv, []) },
    { name: 'a configured cluster, stopped: started only', input: up(() => buildClusterFacts(inv, () => 'stopped')), want: same(inv, ['start-services']) },
    {
      name: 'a failed-over cluster, stopped, with the roles resolveRoles gives: started only',
      input: () => {
        const facts = buildClusterFacts(inv, () => 'stopped', { primary: 'node2' });
        return { inventory: inv, facts, primary: resolveRoles(inv, facts).primary.name };
      },
      want: same(inv, ['start-services']),
    },
    {
      // The others' files keep node3's former Sentinel id: those lines are Sentinel's own once written,
      // and Sentinel replaces a peer that comes back at the same address with a new id itself.
      name: 'one node replaced by a fresh one: that node in full, the others nothing (the primary\'s Redis does not restart)',
      input: up(() => withNode(configuredCluster(inv), 'node3', 'fresh HSTS node')),
      want: { node1: [], node2: [], node3: every },
    },
  ];
  it.each(cases)('$name', ({ input, want }) => expect(changing(input())).toEqual(want));
});
