/**
 * `hsts-cluster doctor`: what a node says about the details IBM's documents leave open, and what
 * hsts-cluster assumes where it does not ask yet. Pure: findings in, notes and checklist out.
 */
import { DEFAULT_NODE_API, nodeApiEndpoint, parseServerSection, pingUrl, type NodeApiEndpoint } from '../../hsts/aspera-conf.js';
import { NEEDS } from '../../hsts/redis-version.js';
import { HSTS } from '../../hsts/paths.js';
import { compareVersions } from '../../hsts/version.js';

/** A service's main process as systemd and /proc tell it (no ptrace needed). */
export interface ServiceFinding {
  unit: string;
  pid: number;
  /** The process name (/proc/PID/comm); null when the unit does not run. */
  binary: string | null;
  user: string | null;
  /** ExecStart's program. */
  execPath: string | null;
  /** `PROGRAM --version` for the Redis units. */
  version: string | null;
}

export interface UserFinding {
  user: string;
  /** From the node's user database (getent passwd); null when the user does not exist. */
  home: string | null;
  /** In the inventory (the noded user or cluster.transferUsers). */
  listed: boolean;
  /** The localkeystore.db candidates present, in order: the first is the one askmscli uses. */
  stores: string[];
}

export interface DoctorFindings {
  hstsVersion: string | null;
  services: ServiceFinding[];
  /** Each listening TCP socket by port: its local address as ss prints it, and the programs `ss -p` names (none when root cannot see them). */
  listening: Map<number, { address: string; holders: string[] }[]>;
  users: UserFinding[];
  /** path -> "owner:group mode" (absent paths left out). */
  owners: Map<string, string>;
  askmscli: boolean;
  curl: boolean;
  /** HTTP status of the Node API's /ping, "000" when nothing answered. */
  nodeApiPing: string;
}

/** The element names directly under aspera.conf's root, in order (comments dropped). */
export function topLevelElements(xml: string): string[] {
  const names: string[] = [];
  let depth = 0;
  for (const m of xml.replace(/<!--[\s\S]*?-->/g, '').matchAll(/<(\/?)([A-Za-z_][\w.-]*)[^>]*?(\/?)>/g)) {
    if (m[1]) depth--;
    else {
      if (depth === 1) names.push(m[2]!);
      if (!m[3]) depth++;
    }
  }
  return names;
}

/** The top-level <server> section's data (aspera-conf.ts: the schema also has a <server> inside <database>). */
export const topLevelServer = (xml: string): Record<string, string> => parseServerSection(xml);


/** Features hsts-cluster uses that a Redis older than the pre-flight's minimum lacks, as pre-flight and the commands name them. */
const REDIS_FEATURES = [NEEDS.rotation, NEEDS.debugCommand].map((need) => [need.version.slice(0, 2).join('.'), need.feature] as const);

export interface NoteInput {
  findings: DoctorFindings;
  asperaConf: string | null;
  nodedUser: string;
}

/**
 * Where this node differs from what hsts-cluster assumes or documents as a default: each a line
 * naming the fact and what depends on it (they inform; pre-flight decides what `up` refuses).
 */
export function doctorNotes({ findings, asperaConf, nodedUser }: NoteInput): string[] {
  const notes: string[] = [];
  for (const s of findings.services) {
    if (s.binary && !s.binary.startsWith('redis-') && s.unit.startsWith('asperaredis')) {
      notes.push(`${s.unit} runs as ${s.binary} (${s.execPath ?? '?'}), not redis-server/redis-sentinel`);
    }
  }
  for (const s of findings.services) {
    if (s.user && s.user !== 'root' && s.user !== nodedUser) {
      notes.push(`${s.unit} runs as ${s.user}, not as cluster.nodedUser ${nodedUser}: up's pre-flight refuses this (the noded user gets the Redis files and asperanoded's keystore)`);
    }
  }
  const redis = findings.services.find((s) => s.unit === 'asperaredisd')?.version;
  if (redis) {
    for (const [need, feature] of REDIS_FEATURES) {
      if (compareVersions(redis, need) < 0) notes.push(`Redis ${redis} is older than ${need}, which ${feature} needs`);
    }
  }
  const redisDir = findings.owners.get('/opt/aspera/etc/redis');
  if (redisDir && !redisDir.startsWith(`${nodedUser}:`)) {
    notes.push(`/opt/aspera/etc/redis is ${redisDir}, not ${nodedUser}'s: Redis's CONFIG REWRITE and Sentinel's config saves cannot create their temporary file there`);
  }
  const api = nodeApiEndpoint(parseServerSection(asperaConf ?? ''));
  if (api === null) {
    notes.push(`aspera.conf serves the Node API on neither HTTPS nor HTTP: verify and status ask ${pingUrl(DEFAULT_NODE_API)}, IBM's default, and find no asperanoded there`);
  } else if (api.scheme === DEFAULT_NODE_API.scheme && api.host === DEFAULT_NODE_API.host) {
    if (api.port !== DEFAULT_NODE_API.port) notes.push(`the Node API is on port ${api.port} (aspera.conf), not IBM's default ${DEFAULT_NODE_API.port}: hsts-cluster asks there`);
  } else {
    notes.push(`the Node API is at ${pingUrl(api)} (aspera.conf), not IBM's default ${pingUrl(DEFAULT_NODE_API)}: hsts-cluster asks there`);
  }
  const sections = topLevelElements(asperaConf ?? '');
  const database = sections.indexOf('database');
  if (database >= 0 && database < sections.indexOf('server')) {
    notes.push('aspera.conf has a <database> section (with its own <server>) before the top-level <server>');
  }
  for (const u of findings.users) {
    if (u.home === null) notes.push(`user ${u.user} does not exist${u.listed ? '' : ' (not in the inventory: fine)'}`);
    else if (!u.home.startsWith('/home/') && u.user !== nodedUser) notes.push(`${u.user}'s home is ${u.home}, outside /home`);
    if (u.stores.some((s) => s.includes('/.aspera/'))) notes.push(`${u.user}'s localkeystore.db is under ~/.aspera: ${u.stores[0]}`);
  }
  return notes;
}

export interface CheckItem {
  check: string;
  ok: boolean;
  detail: string;
}

/** An owner finding ("root:root 600") of a file root alone may read and write: no other bit. */
const rootOnly = (owner: string): boolean => /^root:root (0|[0246]00)$/.test(owner);

/** docs/platforms.md's "Before pointing hsts-cluster at a real HSTS" list, answered by the node. */
export function doctorChecklist(findings: DoctorFindings, nodeApi: NodeApiEndpoint): CheckItem[] {
  const root = findings.owners.get(HSTS.rootKeystore);
  const missingStores = findings.users.filter((u) => u.home !== null && u.stores.length === 0).map((u) => u.user);
  return [
    { check: 'rootkeystore.db at /opt/aspera/etc/rootkeystore.db', ok: root !== undefined, detail: root ?? 'absent' },
    {
      check: 'rootkeystore.db root:root, mode 600 or stricter (DISA STIG, IBM Aspera Platform 4.2: ASP4-TS-020300, -020310, -020320)',
      ok: root === undefined || rootOnly(root),
      detail: root === undefined ? 'absent (askmscli -s makes it)' : rootOnly(root) ? root : `${root}: chown root:root ${HSTS.rootKeystore}; chmod 600 ${HSTS.rootKeystore}`,
    },
    {
      check: 'each user\'s localkeystore.db where askmscli keeps it',
      ok: missingStores.length === 0,
      detail: missingStores.length === 0 ? 'found' : `none yet for ${missingStores.join(', ')} (up makes them)`,
    },
    { check: 'askmscli installed', ok: findings.askmscli, detail: findings.askmscli ? '/opt/aspera/bin/askmscli' : 'missing' },
    { check: 'curl installed (verify and status ask the Node API with it)', ok: findings.curl, detail: findings.curl ? 'yes' : 'curl not found: install curl' },
    {
      check: `the Node API answers ${pingUrl(nodeApi)}`,
      ok: findings.nodeApiPing === '200',
      detail: findings.nodeApiPing === '000' ? 'no answer' : `HTTP ${findings.nodeApiPing}`,
    },
  ];
}
