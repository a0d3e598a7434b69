/**
 * Facts for unit tests: an inventory of 3 or 5 nodes and what gatherFacts would report for a node
 * of it in a named state, built from the same renderers the steps use (src/hsts/*), so that a
 * configured node is what a finished `up` leaves. Nothing here connects anywhere: the addresses are
 * documentation ones (192.0.2.0/24).
 */
import { createHash } from 'node:crypto';
import { desiredServerData } from '../../src/hsts/aspera-conf.js';
import { newSalt, renderRecord } from '../../src/hsts/askms-record.js';
import { desiredFirewall, mergePersistedRules, persistenceFor, type FirewallInput, type FirewallState } from '../../src/hsts/firewall.js';
import { desiredRichRules, type FirewalldState } from '../../src/hsts/firewalld.js';
import type { PortHolder } from '../../src/hsts/port-holders.js';
import { REDIS_CONF_DIR, type DirectoryFact } from '../../src/hsts/directory.js';
import { HSTS, SERVICES, STORE_RECORD, keystoreRecordPath } from '../../src/hsts/paths.js';
import { renderRedisConf } from '../../src/hsts/redis-conf.js';
import { renderSentinelConf } from '../../src/hsts/sentinel-conf.js';
import { renderSentinelUnit } from '../../src/hsts/sentinel-unit.js';
import { renderUmaskDropIn } from '../../src/hsts/umask.js';
import type { ClusterNode, Inventory } from '../../src/inventory/load.js';
import type { Change, FileFact, NodeFacts, PlanContext, PlanOptions, Roles, RuntimeFacts, UnitFact } from '../../src/steps/types.js';
import { Secret } from '../../src/util/secret.js';

export const PASSWORD = 'unit-test-redis-pw';
const REDIS_PORT = 31415;
const SENTINEL_PORT = 41415;

export interface InventoryOptions {
  nodes?: 3 | 5;
  /** Index of the node the inventory calls primary (default 0: node1). */
  primary?: number;
  transferUsers?: string[];
  password?: string;
  /** The account that runs the HSTS daemons (default asperadaemon, as the installer makes it). */
  nodedUser?: string;
}

/** The account HSTS's installer makes to run its daemons, and gives the Redis files and directory to. */
export const INSTALLER_USER = 'asperadaemon';

/** node1..nodeN at 192.0.2.11.., node1 primary unless told otherwise. */
export function buildInventory(options: InventoryOptions = {}): Inventory {
  const count = options.nodes ?? 3;
  const nodes: ClusterNode[] = Array.from({ length: count }, (_, i) => ({
    name: `node${i + 1}`,
    privateIp: `192.0.2.${11 + i}`,
    role: i === (options.primary ?? 0) ? 'primary' : 'replica',
    ssh: { host: `192.0.2.${11 + i}`, port: 22, user: 'root', knownHostsPath: '/dev/null', connectTimeoutMs: 1000 },
  }));
  return {
    path: '/unit/inventory.json',
    cluster: {
      primarySet: 'myprimary',
      redisPort: REDIS_PORT,
      sentinelPort: SENTINEL_PORT,
      quorum: Math.floor(count / 2) + 1,
      downAfterMs: 30_000,
      failoverTimeoutMs: 180_000,
      save: [{ seconds: 900, changes: 1 }, { seconds: 300, changes: 10 }],
      redisPassword: new Secret(options.password ?? PASSWORD),
      transferUsers: options.transferUsers ?? [],
      nodedUser: options.nodedUser ?? INSTALLER_USER,
    },
    nodes,
    warnings: [],
  };
}

export function nodeNamed(inventory: Inventory, name: string): ClusterNode {
  const node = inventory.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no ${name} in the test inventory`);
  return node;
}

/** Roles with this node (default: the inventory's) as primary. */
export function rolesWith(inventory: Inventory, primary?: string): Roles {
  const node = primary ? nodeNamed(inventory, primary) : inventory.nodes.find((n) => n.role === 'primary')!;
  return { primary: node, reason: 'the inventory names it', warnings: [] };
}

/** A fixed Sentinel id per node name, as Sentinel writes them: 40 hex digits. */
export function sentinelIdFor(name: string): string {
  return createHash('sha1').update(name).digest('hex');
}

export type NodeState = 'fresh HSTS node' | 'configured replica' | 'configured primary' | 'stopped';
export type FirewallStack = 'netfilter-persistent' | 'iptables-services' | 'firewalld' | 'none';

export interface FactsOptions {
  /** The node that is primary now (default: the inventory's; a configured replica follows it). */
  primary?: string;
  firewallStack?: FirewallStack;
  /** Files by path: text (owner and mode as the file has them), null (absent), or a whole fact. */
  files?: Record<string, string | null | FileFact>;
  units?: Record<string, Partial<UnitFact>>;
  firewall?: FirewallState;
  firewalld?: FirewalldState | null;
  users?: Record<string, boolean>;
  /** Login shells by path: whether each is an executable file (default: /bin/aspshell and /bin/bash are). */
  shells?: Record<string, boolean>;
  runtime?: RuntimeFacts;
  isRoot?: boolean;
  hstsInstalled?: boolean;
  transfers?: string[];
  listeners?: Record<number, PortHolder[]>;
  userIds?: Record<string, number>;
  asredisVersion?: [number, number, number] | null;
  untrustedPrograms?: string[];
  /** Directories by path (default: /opt/aspera/etc/redis owned by the noded user, 755). */
  directories?: Record<string, Partial<DirectoryFact>>;
  firewalldProblem?: string | null;
}

export const SHIPPED_SENTINEL_UNIT = `[Unit]
Description=IBM Aspera Redis Sentinel
After=network-online.target asperaredisd.service
Wants=network-online.target

[Service]
Type=simple
User=asperadaemon
Group=aspadmins
ExecStart=/usr/bin/redis-sentinel /opt/aspera/etc/redis/sentinel_41415.conf
Restart=on-failure
RestartSec=1

[Install]
WantedBy=multi-user.target
`;

/** aspera_31415.conf as the HSTS installer leaves a standalone node. */
export const SHIPPED_REDIS_CONF = `port 31415
dbfilename redis.31415.rdb
dir /opt/aspera/var
pidfile /opt/aspera/var/run/redis.31415.pid
requirepass installer-made-pw
save 60 10000
daemonize no
bind 127.0.0.1
`;

export function asperaConfXml(server: Record<string, string>): string {
  const lines = Object.entries(server).map(([key, value]) => `        <${key}>${value}</${key}>`);
  return `<?xml version='1.0' encoding='UTF-8'?>
<CONF version="2">
    <server>
        <server_name>localhost</server_name>
${lines.join('\n')}
    </server>
    <default><file_system/></default>
</CONF>
`;
}

export function firewallInputOf(inventory: Inventory): FirewallInput {
  return { clusterIps: inventory.nodes.map((n) => n.privateIp), redisPort: REDIS_PORT, sentinelPort: SENTINEL_PORT };
}

const RECORD_SALT = newSalt();
const records = new Map<string, string>();
/** hsts-cluster's record of askmscli holding this password (see hsts/askms-record.ts); one scrypt per password. */
export function askmsRecord(password: string): string {
  let record = records.get(password);
  if (record === undefined) records.set(password, (record = renderRecord(password, RECORD_SALT)));
  return record;
}

const fileFact = (path: string, content: string | null, owner = 'root', group = 'root', mode = '644'): FileFact =>
  content === null ? { path, content: null, owner: '', group: '', mode: '' } : { path, content: Buffer.from(content), owner, group, mode };

const unitFact = (name: string, active: string, enabled: string, umask = '0022'): UnitFact =>
  ({ name, load: enabled === '' ? 'not-found' : 'loaded', enabled, active, mainPid: active === 'active' ? 100 : 0, umask });

function hstsUsers(inventory: Inventory): string[] {
  return [...new Set([inventory.cluster.nodedUser, ...inventory.cluster.transferUsers])];
}

/** The Redis and Sentinel files a finished `up` leaves on `node`, `primary` being the primary. */
export function configuredFiles(inventory: Inventory, node: ClusterNode, primary: ClusterNode): FileFact[] {
  const { cluster } = inventory;
  const redis = renderRedisConf(SHIPPED_REDIS_CONF, {
    port: cluster.redisPort,
    bindIp: node.privateIp,
    password: cluster.redisPassword.reveal(),
    replicaOf: node === primary ? null : { ip: primary.privateIp, port: cluster.redisPort },
    save: cluster.save,
  });
  const sentinel = renderSentinelConf(null, {
    port: cluster.sentinelPort,
    bindIp: node.privateIp,
    password: cluster.redisPassword.reveal(),
    primarySet: cluster.primarySet,
    primary: { ip: primary.privateIp, port: cluster.redisPort },
    quorum: cluster.quorum,
    downAfterMs: cluster.downAfterMs,
    failoverTimeoutMs: cluster.failoverTimeoutMs,
    myid: sentinelIdFor(node.name),
    peers: inventory.nodes.filter((n) => n !== node).map((n) => ({ ip: n.privateIp, port: cluster.sentinelPort, id: sentinelIdFor(n.name) })),
    clusterRedis: inventory.nodes.map((n) => ({ ip: n.privateIp, port: cluster.redisPort })),
  });
  const db = desiredServerData({
    sentinels: inventory.nodes.map((n) => ({ ip: n.privateIp, port: cluster.sentinelPort })),
    primarySet: cluster.primarySet,
  });
  const record = askmsRecord(cluster.redisPassword.reveal());
  return [
    fileFact(HSTS.asperaConf, asperaConfXml(db)),
    fileFact(HSTS.redisConf, redis, cluster.nodedUser, HSTS.daemonGroup, '640'),
    fileFact(HSTS.sentinelConf, sentinel, cluster.nodedUser, HSTS.daemonGroup, '640'),
    fileFact(HSTS.installedSentinelUnit, renderSentinelUnit(SHIPPED_SENTINEL_UNIT)),
    fileFact(HSTS.redisUmaskDropIn, renderUmaskDropIn()),
    fileFact(STORE_RECORD, record, 'root', 'root', '600'),
    ...hstsUsers(inventory).map((u) => fileFact(keystoreRecordPath(u), record, 'root', 'root', '600')),
  ];
}

function freshFiles(inventory: Inventory): FileFact[] {
  return [
    fileFact(HSTS.asperaConf, asperaConfXml({})),
    fileFact(HSTS.redisConf, SHIPPED_REDIS_CONF, INSTALLER_USER, HSTS.daemonGroup, '644'),
    fileFact(HSTS.sentinelConf, null),
    fileFact(HSTS.installedSentinelUnit, null),
    fileFact(HSTS.redisUmaskDropIn, null),
    fileFact(STORE_RECORD, null),
    ...hstsUsers(inventory).map((u) => fileFact(keystoreRecordPath(u), null)),
  ];
}

function firewallFacts(inventory: Inventory, stack: FirewallStack, configured: boolean):
  Pick<NodeFacts, 'firewall' | 'firewalld' | 'persistence'> & { files: FileFact[]; units: UnitFact[] } {
  const input = firewallInputOf(inventory);
  const none: FirewallState = { chain: null, jumps: [], jumpFirst: false };
  if (stack === 'firewalld') {
    const rules = configured ? desiredRichRules(input) : [];
    return {
      firewall: none,
      firewalld: { zone: 'public', runtime: rules, permanent: rules, files: [] },
      persistence: null,
      files: [],
      units: [],
    };
  }
  const persistence = stack === 'none' ? null : persistenceFor({ netfilterPersistent: stack === 'netfilter-persistent', iptablesServices: stack === 'iptables-services' });
  const files = [fileFact('/etc/iptables/rules.v4', null), fileFact('/etc/sysconfig/iptables', null)];
  const units: UnitFact[] = [];
  if (persistence) {
    const i = files.findIndex((f) => f.path === persistence.path);
    files[i] = fileFact(persistence.path, configured ? mergePersistedRules(null, input) : null, 'root', 'root', '640');
    units.push(unitFact(persistence.unit, 'active', configured ? 'enabled' : 'disabled'));
  }
  return { firewall: configured ? desiredFirewall(input) : none, firewalld: null, persistence, files, units };
}

function runtimeOf(inventory: Inventory, node: ClusterNode, primary: ClusterNode, state: NodeState): RuntimeFacts {
  if (state === 'stopped') return {};
  if (state === 'fresh HSTS node') return { redis: { role: 'master', offset: 0, replicas: [] }, redisKeys: 0 };
  const sentinelPrimary = { ip: primary.privateIp, port: inventory.cluster.redisPort };
  if (node === primary) {
    const replicas = inventory.nodes.filter((n) => n !== primary)
      .map((n) => ({ ip: n.privateIp, port: inventory.cluster.redisPort, state: 'online', offset: 1000, lag: 0 }));
    return { sentinelPrimary, redis: { role: 'master', offset: 1000, replicas }, redisKeys: 3 };
  }
  return {
    sentinelPrimary,
    redis: { role: 'slave', masterHost: primary.privateIp, masterPort: inventory.cluster.redisPort, linkUp: true, offset: 1000, replicas: [] },
    redisKeys: 3,
  };
}

/**
 * What gatherFacts reports for `name` in `state`:
 *  - 'fresh HSTS node': HSTS as installed, Redis standalone and running, no Sentinel unit installed;
 *  - 'configured primary' / 'configured replica': what `up` leaves, every service running
 *    (the role follows options.primary, which defaults to the inventory's primary);
 *  - 'stopped': configured, every service stopped, nothing answers.
 * Overrides replace what they name (a unit's fields are merged).
 */
export function buildFacts(inventory: Inventory, name: string, state: NodeState, options: FactsOptions = {}): NodeFacts {
  const node = nodeNamed(inventory, name);
  const primary = options.primary ? nodeNamed(inventory, options.primary) : state === 'configured primary' ? node : rolesWith(inventory).primary;
  if (state === 'configured replica' && primary === node) throw new Error(`${name} is the primary: it cannot be a configured replica`);
  const configured = state !== 'fresh HSTS node';
  const fw = firewallFacts(inventory, options.firewallStack ?? 'netfilter-persistent', configured);
  const files = [
    fileFact(HSTS.shippedSentinelUnit, SHIPPED_SENTINEL_UNIT),
    ...(configured ? configuredFiles(inventory, node, primary) : freshFiles(inventory)),
    ...fw.files,
  ];
  const active = state === 'stopped' ? 'inactive' : 'active';
  const units = new Map<string, UnitFact>(SERVICES.map((s) => [s, unitFact(s, active, 'enabled', configured ? '0027' : '0022')]));
  if (!configured) units.set('asperaredissentinel', unitFact('asperaredissentinel', 'inactive', ''));
  for (const u of fw.units) units.set(u.name, u);
  for (const [unit, fields] of Object.entries(options.units ?? {})) {
    units.set(unit, { ...(units.get(unit) ?? unitFact(unit, 'inactive', '')), ...fields });
  }
  const fileMap = new Map(files.map((f) => [f.path, f]));
  for (const [path, value] of Object.entries(options.files ?? {})) {
    // New text keeps the owner and mode the file has; a file that was absent gets the Redis files' ones.
    const had = fileMap.get(path);
    const meta = had?.content ? [had.owner, had.group, had.mode] as const : [INSTALLER_USER, HSTS.daemonGroup, '640'] as const;
    fileMap.set(path, value === null || typeof value === 'string' ? fileFact(path, value, ...meta) : value);
  }
  const users = new Map(hstsUsers(inventory).map((u) => [u, true]));
  for (const [user, exists] of Object.entries(options.users ?? {})) users.set(user, exists);
  return {
    files: fileMap,
    units,
    firewall: options.firewall ?? fw.firewall,
    users,
    persistence: fw.persistence,
    firewalld: options.firewalld !== undefined ? options.firewalld : fw.firewalld,
    firewalldProblem: options.firewalldProblem ?? null,
    isRoot: options.isRoot ?? true,
    hstsInstalled: options.hstsInstalled ?? true,
    transfers: options.transfers ?? [],
    userIds: new Map([...users.keys()].map((u, i) => [u, u === inventory.cluster.nodedUser ? NODED_UID : 1001 + i] as const)
      .concat(Object.entries(options.userIds ?? {}))),
    directories: new Map(Object.entries({ [REDIS_CONF_DIR]: {}, ...options.directories }).map(([path, fields]) => [path, { ...redisDirectory(path), ...fields }])),
    nodedGids: [NODED_GID],
    shells: new Map(Object.entries({ [HSTS.aspshell]: true, '/bin/bash': true, ...options.shells })),
    listeners: new Map(Object.entries(options.listeners ?? defaultListeners(state)).map(([port, holders]) => [Number(port), holders])),
    lockHolder: null,
    asredisVersion: options.asredisVersion === undefined ? [7, 0, 15] : options.asredisVersion,
    untrustedPrograms: options.untrustedPrograms ?? [],
    runtime: options.runtime ?? runtimeOf(inventory, node, primary, state),
  };
}

/** The noded user's uid and group in built facts; the units' MainPID is 100 while active. */
export const NODED_UID = 999;
export const NODED_GID = 996;

function redisDirectory(path: string): DirectoryFact {
  return { path, exists: true, kind: 'directory', uid: NODED_UID, gid: NODED_GID, owner: INSTALLER_USER, group: HSTS.daemonGroup, mode: '755' };
}

/** A port holder as the environment probe reports it (default: the noded user's, a unit's MainPID). */
export function holder(command: string, fields: Partial<PortHolder> = {}): PortHolder {
  return { address: '0.0.0.0', pid: 100, command, uid: NODED_UID, user: 'asperadaemon', ancestors: [1], ...fields };
}

function defaultListeners(state: NodeState): Record<number, PortHolder[]> {
  if (state === 'stopped') return {};
  if (state === 'fresh HSTS node') return { [REDIS_PORT]: [holder('redis-server')] };
  return { [REDIS_PORT]: [holder('redis-server')], [SENTINEL_PORT]: [holder('redis-sentinel')] };
}

/** Facts for every node of the inventory: node -> state (nodes not named: like `rest`). */
export function buildClusterFacts(
  inventory: Inventory,
  states: Record<string, NodeState> | ((node: ClusterNode) => NodeState),
  options: FactsOptions | ((node: ClusterNode) => FactsOptions) = {},
): Map<string, NodeFacts> {
  return new Map(inventory.nodes.map((node) => {
    const state = typeof states === 'function' ? states(node) : states[node.name];
    if (!state) throw new Error(`no state given for ${node.name}`);
    const opts = typeof options === 'function' ? options(node) : options;
    return [node.name, buildFacts(inventory, node.name, state, opts)];
  }));
}

/** Every node fresh. */
export const allFresh = (inventory: Inventory) => buildClusterFacts(inventory, () => 'fresh HSTS node');

/** A configured cluster whose primary is `primary` (default: the inventory's). */
export function configuredCluster(inventory: Inventory, primary?: string, options: FactsOptions = {}): Map<string, NodeFacts> {
  const p = primary ? nodeNamed(inventory, primary) : rolesWith(inventory).primary;
  return buildClusterFacts(inventory, (n) => (n === p ? 'configured primary' : 'configured replica'), { ...options, primary: p.name });
}

export interface ContextOptions {
  /** The run's primary (default: the inventory's). */
  primary?: string;
  planned?: Change[];
  holdFailover?: boolean;
  options?: Partial<PlanOptions>;
}

/** What a step's plan and check see on one node, for calling a step directly (planCluster builds the same). */
export function contextFor(inventory: Inventory, facts: NodeFacts, name: string, options: ContextOptions = {}): PlanContext {
  return {
    inventory,
    node: nodeNamed(inventory, name),
    roles: rolesWith(inventory, options.primary),
    facts,
    planned: options.planned ?? [],
    holdFailover: options.holdFailover ?? false,
    sentinelIds: new Map(inventory.nodes.map((n) => [n.name, sentinelIdFor(n.name)])),
    options: { waitTimeoutMs: 30_000, ...options.options },
  };
}
