import { posix } from 'node:path';
import { ACCOUNT_NAME, isSnapshotDirectory, OCTAL_MODE } from '../hsts/directory.js';
import { z } from 'zod';
import { CHAIN } from '../hsts/firewall.js';
import { validZone } from '../hsts/firewalld.js';
import { HSTS, SERVICES } from '../hsts/paths.js';
import { RDB_PATH } from '../hsts/redis-conf.js';
import type { Inventory } from '../inventory/load.js';
import { USER_NAME } from '../inventory/user-name.js';
import { RUN_ID } from '../remote/state-dir.js';
import { PERSISTED_RULE_FILES } from '../steps/firewall.js';
import { keystorePaths } from '../steps/keystores.js';
import { hstsUsers } from '../steps/preflight.js';
import { copyName } from './saved-copies.js';
import type { Snapshot } from './snapshot.js';

/**
 * A snapshot read back from a node is data, never instructions: before a rollback plans anything
 * from it, its shape is checked (zod) and so is every value a rollback acts on. It may name only
 * what a run may touch (the managed files, askmscli's stores at their known places, the HSTS and
 * firewall units, the inventory's users); modes, owners and names match strict patterns. Anything
 * else refuses the rollback, naming the field.
 */

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const UNIT_STATE = /^[a-z-]{0,32}$/;
/** One printable line: a value that reaches iptables-restore's input or firewall-cmd's argv. */
const ONE_LINE = /^[^\n\r\0]{1,1000}$/;

const fileSchema = z.object({
  path: z.string(),
  content: z.string().regex(BASE64).nullable(),
  owner: z.string(),
  group: z.string(),
  mode: z.string(),
}).strict();

const snapshotSchema = z.object({
  version: z.union([z.literal(1), z.literal(2)]),
  run: z.string().regex(RUN_ID),
  node: z.string().max(255),
  createdAt: z.string().max(40),
  nodedUser: z.string().regex(USER_NAME),
  files: z.array(fileSchema).max(100),
  copies: z.array(z.object({ path: z.string(), saved: z.string() }).strict()).max(100).default([]),
  units: z.array(z.object({ name: z.string(), enabled: z.string().regex(UNIT_STATE), active: z.string().regex(UNIT_STATE) }).strict()).max(50),
  users: z.array(z.object({ name: z.string().regex(USER_NAME), exists: z.boolean() }).strict()).max(1000).default([]),
  firewall: z.object({ chain: z.array(z.string().regex(ONE_LINE)).max(10_000).nullable(), jumps: z.array(z.string().regex(ONE_LINE)).max(100), jumpFirst: z.boolean() }).strict().nullable(),
  firewalld: z.object({
    zone: z.string(),
    runtime: z.array(z.string().regex(ONE_LINE)).max(10_000),
    permanent: z.array(z.string().regex(ONE_LINE)).max(10_000),
    files: z.array(fileSchema).max(4),
  }).strict().nullable().default(null),
  redisData: z.object({ rdb: z.string() }).strict().nullable().default(null),
  directories: z.array(z.object({
    path: z.string(), owner: z.string().regex(ACCOUNT_NAME), group: z.string().regex(ACCOUNT_NAME), mode: z.string().regex(OCTAL_MODE),
  }).strict()).max(10).default([]),
}).strict();

/** What a snapshot of this inventory may name: one list, from the steps that touch them. */
export interface SnapshotScope {
  files: Set<string>;
  stores: Set<string>;
  units: Set<string>;
  users: Set<string>;
}

export function snapshotScope(inventory: Inventory, runUsers: readonly string[] = []): SnapshotScope {
  const users = [...new Set([...hstsUsers(inventory), ...runUsers])];
  const keystores = keystorePaths(users);
  return {
    files: new Set([
      HSTS.redisConf, HSTS.sentinelConf, HSTS.asperaConf, HSTS.installedSentinelUnit, HSTS.redisUmaskDropIn,
      ...PERSISTED_RULE_FILES, ...keystores.records,
    ]),
    stores: new Set(keystores.stores),
    units: new Set<string>([...SERVICES, 'netfilter-persistent', 'iptables']),
    users: new Set(users),
  };
}

export class SnapshotRefused extends Error {}

/**
 * The snapshot of run `run` read back from node `node`, checked; a SnapshotRefused naming the
 * first field that fails otherwise (`snapshot of run X on node2: files[3].path "/etc/sudoers.d/x"
 * is not a file hsts-cluster manages`).
 */
export function checkSnapshot(text: string, expected: { run: string; node: string; inventory: Inventory }): Snapshot {
  const where = `snapshot of run ${expected.run} on ${expected.node}`;
  const refuse = (field: string, value: unknown, why: string) => new SnapshotRefused(`${where}: ${field} ${shown(value)} ${why}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new SnapshotRefused(`${where}: not JSON`);
  }
  const parsed = snapshotSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || 'the snapshot';
    throw new SnapshotRefused(`${where}: ${field}: ${issue.message}`);
  }
  const s = parsed.data;
  // add-transfer-user's user is the run's, not the inventory's: the snapshot names it (users[]),
  // so its keystore record and stores are in scope too; never root, whose home is no transfer user's.
  s.users.forEach((u, i) => {
    if (u.name === 'root') throw refuse(`users[${i}].name`, u.name, 'is not a user hsts-cluster creates or gives a keystore');
  });
  const scope = snapshotScope(expected.inventory, s.users.map((u) => u.name));
  if (s.run !== expected.run) throw refuse('run', s.run, `is not run ${expected.run}`);
  if (s.node !== expected.node) throw refuse('node', s.node, `is not ${expected.node}`);
  if (s.nodedUser !== expected.inventory.cluster.nodedUser) throw refuse('nodedUser', s.nodedUser, `is not the inventory's noded user ${expected.inventory.cluster.nodedUser}`);
  s.files.forEach((f, i) => {
    // A version 1 snapshot written before node-side copies holds askmscli's stores inline.
    const managed = scope.files.has(f.path) || (s.version === 1 && scope.stores.has(f.path));
    if (!managed) throw refuse(`files[${i}].path`, f.path, 'is not a file hsts-cluster manages');
    checkOwnership(f, `files[${i}]`, refuse);
  });
  s.copies.forEach((c, i) => {
    if (!scope.stores.has(c.path)) throw refuse(`copies[${i}].path`, c.path, 'is not a store hsts-cluster copies');
    if (c.saved !== copyName(i, c.path)) throw refuse(`copies[${i}].saved`, c.saved, `is not ${copyName(i, c.path)}`);
  });
  s.units.forEach((u, i) => {
    if (!scope.units.has(u.name)) throw refuse(`units[${i}].name`, u.name, 'is not a unit hsts-cluster manages');
  });
  if (s.firewall) {
    s.firewall.chain?.forEach((rule, i) => {
      if (!rule.startsWith(`-A ${CHAIN} `)) throw refuse(`firewall.chain[${i}]`, rule, `is not a rule of chain ${CHAIN}`);
    });
    s.firewall.jumps.forEach((jump, i) => {
      if (!jump.startsWith('-A INPUT ') || !jump.endsWith(`-j ${CHAIN}`)) throw refuse(`firewall.jumps[${i}]`, jump, `is not a jump from INPUT to ${CHAIN}`);
    });
  }
  if (s.firewalld) {
    const { zone } = s.firewalld;
    if (!validZone(zone)) throw refuse('firewalld.zone', zone, 'is not a firewalld zone name');
    s.firewalld.files.forEach((f, i) => {
      if (f.path !== `/etc/firewalld/zones/${zone}.xml` && f.path !== `/etc/firewalld/zones/${zone}.xml.old`) {
        throw refuse(`firewalld.files[${i}].path`, f.path, `is not a file of zone ${zone}`);
      }
      checkOwnership(f, `firewalld.files[${i}]`, refuse);
    });
  }
  s.directories.forEach((d, i) => {
    if (!isSnapshotDirectory(d.path)) throw refuse(`directories[${i}].path`, d.path, 'is not a directory hsts-cluster may change');
  });
  if (s.redisData) {
    const { rdb } = s.redisData;
    // The place rdbPath gives for any `dir` and `dbfilename` Redis takes (not only *.rdb): the node
    // checks it again before a copy (rdbPlaceCheck: a directory and file of the noded user's).
    if (!RDB_PATH.test(rdb) || rdb === '/' || rdb.endsWith('/') || posix.normalize(rdb) !== rdb) {
      throw refuse('redisData.rdb', rdb, 'is not an absolute, normal path of a file');
    }
  }
  return s;
}

function checkOwnership(f: z.infer<typeof fileSchema>, field: string, refuse: (field: string, value: unknown, why: string) => Error): void {
  if (f.content === null) return;
  if (!ACCOUNT_NAME.test(f.owner)) throw refuse(`${field}.owner`, f.owner, 'is not a user name');
  if (!ACCOUNT_NAME.test(f.group)) throw refuse(`${field}.group`, f.group, 'is not a group name');
  if (!OCTAL_MODE.test(f.mode)) throw refuse(`${field}.mode`, f.mode, 'is not an octal file mode');
}

/** A value from the node, bounded and quoted for the message. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 120)}..."` : text;
}
