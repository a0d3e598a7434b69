import { iptablesRestoreScript, sameFirewall, type FirewallState } from '../hsts/firewall.js';
import {
  editExactly, isEmptyEdit, sameRules, type FirewalldState, type ZoneFile,
} from '../hsts/firewalld.js';
import { firewallCmds, iptablesRestore } from '../remote/firewall-tools.js';
import { daemonReload, systemctl } from '../remote/systemctl.js';
import { deleteUser, isUseraddUid } from '../remote/users.js';
import { tokenize } from '../hsts/conf-lines.js';
import { HSTS, SERVICES, STOP_ORDER, serviceInputs, type Service } from '../hsts/paths.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { removeFileCommand, writeFileCommand } from '../steps/common.js';
import { setDirectoryOwnership } from '../remote/files.js';
import { ACCOUNT_NAME, isSnapshotDirectory, OCTAL_MODE } from '../hsts/directory.js';
import type { CopyState, SavedCopy } from '../facts/copies-probe.js';
import { rdbPath, putBackRedisDataCommand } from './redis-data.js';
import { copyName, putBackCopyCommand } from './saved-copies.js';
import type { FileFact, NeedsList, NodeFacts, ResourceRef, UnitFact } from '../steps/types.js';

/**
 * What a node looked like before a run changed it: stored on the node, root only. Version 2 is a
 * snapshot with node-side copies (`copies`): an hsts-cluster from before them would roll back to such a
 * snapshot only in part, so it refuses it instead; a snapshot without copies stays version 1.
 */
export interface Snapshot {
  version: 1 | 2;
  run: string;
  node: string;
  createdAt: string;
  nodedUser: string;
  /** Files read into the facts, held here (base64; null: the file did not exist). */
  files: { path: string; content: string | null; owner: string; group: string; mode: string }[];
  /** Opaque files, never read: copied (or noted absent) in the run directory by the snapshot batch. */
  copies: SavedCopy[];
  units: { name: string; enabled: string; active: string }[];
  /** OS users the run may create, and whether each existed. */
  users: { name: string; exists: boolean }[];
  /** Our chain and its jumps; null when the run does not touch the firewall. */
  firewall: FirewallState | null;
  /** firewalld's zone (rich rules, runtime and permanent, and its files); null when the run does not touch it. */
  firewalld: FirewalldState | null;
  /** Directories whose owner, group and mode the run may change (`isSnapshotDirectory` lists which may appear). */
  directories: { path: string; owner: string; group: string; mode: string }[];
  /** The RDB file of a Redis the run makes a replica; its copy is redis.rdb in the run directory. */
  redisData: { rdb: string } | null;
}

/**
 * The node as the run found it, limited to what the run's changes touch (and the services that read
 * those files): a rollback puts back exactly that, and nothing Redis or Sentinel changed meanwhile.
 */
export function takeSnapshot(run: string, node: string, nodedUser: string, facts: NodeFacts, touches: ResourceRef[]): Snapshot {
  const files = new Set(touches.flatMap((t) => (t.kind === 'file' ? [t.path] : [])));
  const opaque = [...new Set(touches.flatMap((t) => (t.kind === 'opaque-file' ? [t.path] : [])))];
  const units = new Set(touches.flatMap((t) => (t.kind === 'unit' ? [t.name] : [])));
  const inputs = serviceInputs(nodedUser);
  for (const service of SERVICES) if (inputs[service].some((path) => files.has(path) || opaque.includes(path))) units.add(service);
  const users = new Set(touches.flatMap((t) => (t.kind === 'user' ? [t.name] : [])));
  const directories = new Set(touches.flatMap((t) => (t.kind === 'directory' ? [t.path] : [])));
  return {
    version: opaque.length > 0 ? 2 : 1,
    run,
    node,
    createdAt: new Date().toISOString(),
    nodedUser,
    files: [...facts.files.values()].filter((f) => files.has(f.path)).map((f) => ({
      path: f.path, content: f.content === null ? null : f.content.toString('base64'), owner: f.owner, group: f.group, mode: f.mode,
    })),
    copies: opaque.map((path, i) => ({ path, saved: copyName(i, path) })),
    units: [...facts.units.values()].filter((u) => units.has(u.name)).map((u) => ({ name: u.name, enabled: u.enabled, active: u.active })),
    users: [...facts.users].filter(([name]) => users.has(name)).map(([name, exists]) => ({ name, exists })),
    directories: [...facts.directories.values()].filter((d) => directories.has(d.path) && d.exists)
      .map((d) => ({ path: d.path, owner: d.owner, group: d.group, mode: d.mode })),
    firewall: touches.some((t) => t.kind === 'firewall') ? facts.firewall : null,
    firewalld: touches.some((t) => t.kind === 'firewalld') ? facts.firewalld : null,
    redisData: touches.some((t) => t.kind === 'redis-data') ? { rdb: rdbPath(facts.files.get(HSTS.redisConf)?.content?.toString('utf8') ?? null) } : null,
  };
}

/**
 * What a rollback must read on the node: exactly what the snapshot holds (its files, units, users,
 * firewall zone), whatever playbook made it; plus the two Redis files and the services, which say
 * how Redis runs.
 */
export function snapshotNeeds(snapshot: Snapshot, privateIp: string): NeedsList {
  return {
    files: [...new Set<string>([HSTS.redisConf, HSTS.sentinelConf, ...snapshot.files.map((f) => f.path)])],
    units: [...new Set<string>([...SERVICES, ...snapshot.units.map((u) => u.name)])],
    users: snapshot.users.map((u) => u.name),
    ...(snapshot.firewalld ? { firewalld: { privateIp, zone: snapshot.firewalld.zone } } : {}),
    ...(snapshot.copies.length ? { copies: { runDir: runDir(snapshot.run), files: snapshot.copies } } : {}),
    ...(snapshot.directories.length ? { directories: { paths: snapshot.directories.map((d) => d.path), user: snapshot.nodedUser } } : {}),
  };
}

/** What a rollback reads: the node's facts, and how its opaque files are against their copies. */
export type RollbackFacts = NodeFacts & { copies?: Map<string, CopyState> };

/** The opaque files that are not as their copies (a file without a copy to compare with counts). */
function changedCopies(snapshot: Snapshot, now: RollbackFacts): SavedCopy[] {
  return snapshot.copies.filter((c) => now.copies?.get(c.path) !== 'same');
}

export function runDir(run: string): string {
  return `${HSTS.stateDir}/runs/${run}`;
}

/**
 * The lines of a Redis or Sentinel file that are not their own run-time state (ids, epochs, known
 * peers, the CONFIG REWRITE marker), as parsed arguments: putting a file back means putting these back;
 * the rest Redis and Sentinel rewrite whenever they like.
 */
function configuredLines(text: string): string {
  return text.split('\n').map(tokenize).filter((args): args is string[] => args !== null)
    .filter((args) => !(args[0]?.toLowerCase() === 'sentinel' && RUNTIME_SENTINEL.has(args[1]?.toLowerCase() ?? '')))
    .filter((args) => !['user', 'latency-tracking-info-percentiles', 'protected-mode'].includes(args[0]!.toLowerCase()))
    .map((args) => JSON.stringify(args)).join('\n');
}

const RUNTIME_SENTINEL = new Set(['myid', 'current-epoch', 'config-epoch', 'leader-epoch', 'known-replica', 'known-slave', 'known-sentinel']);
const REWRITTEN_BY_REDIS = new Set<string>([HSTS.redisConf, HSTS.sentinelConf]);

/** Whether a file differs from the snapshot's copy; a file that was not read counts as different. */
function fileDiffers(want: Snapshot['files'][number], now: FileFact | undefined): boolean {
  if (!now) return true;
  if (want.content === null) return now.content !== null;
  if (now.content === null || now.owner !== want.owner || now.group !== want.group || now.mode !== want.mode) return true;
  const before = Buffer.from(want.content, 'base64');
  if (REWRITTEN_BY_REDIS.has(want.path)) return configuredLines(before.toString('utf8')) !== configuredLines(now.content.toString('utf8'));
  return !now.content.equals(before);
}

/** Where the node differs from its snapshot, one line each; [] when it is as it was. */
export function differences(snapshot: Snapshot, now: RollbackFacts): string[] {
  const out: string[] = [];
  for (const file of snapshot.files) if (fileDiffers(file, now.files.get(file.path))) out.push(`file ${file.path}`);
  for (const copy of changedCopies(snapshot, now)) {
    const state = now.copies?.get(copy.path);
    out.push(state === 'differs' ? `file ${copy.path}` : `file ${copy.path}: no copy of it in ${runDir(snapshot.run)}`);
  }
  for (const unit of snapshot.units) {
    const current = now.units.get(unit.name);
    if (!current) {
      out.push(`unit ${unit.name} was not read`);
      continue;
    }
    if (current.enabled !== unit.enabled) out.push(`unit ${unit.name} is ${current.enabled || 'not installed'}, was ${unit.enabled || 'not installed'}`);
    // A unit that had failed is back as stopped: that is as it was (a failure is not put back).
    const same = current.active === unit.active || (unit.active === 'failed' && current.active === 'inactive');
    if (!same) out.push(`unit ${unit.name} is ${current.active}, was ${unit.active}`);
  }
  if (snapshot.firewall && !sameFirewall(snapshot.firewall, now.firewall)) out.push('iptables chain HSTS-CLUSTER or its INPUT jump');
  for (const user of snapshot.users) {
    const exists = now.users.get(user.name);
    if (exists === undefined) out.push(`user ${user.name} was not read`);
    else if (exists !== user.exists) out.push(`user ${user.name} ${exists ? 'exists' : 'is missing'}, ${user.exists ? 'existed' : 'did not exist'}`);
  }
  if (snapshot.firewalld) out.push(...firewalldDifferences(snapshot.firewalld, now));
  for (const dir of changedDirectories(snapshot, now)) out.push(`directory ${dir.path} owner or mode`);
  return out;
}

/** The snapshot's directories whose owner, group or mode is not as they were (one not read counts). */
function changedDirectories(snapshot: Snapshot, now: RollbackFacts): Snapshot['directories'] {
  return snapshot.directories.filter((want) => {
    const dir = now.directories.get(want.path);
    return !dir?.exists || dir.owner !== want.owner || dir.group !== want.group || dir.mode !== want.mode;
  });
}

function zoneFileDiffers(want: ZoneFile, now: ZoneFile | undefined): boolean {
  if (!now) return true;
  if (want.content === null || now.content === null) return want.content !== now.content;
  return want.content !== now.content || want.owner !== now.owner || want.group !== now.group || want.mode !== now.mode;
}

function firewalldDifferences(want: FirewalldState, now: NodeFacts): string[] {
  const zone = `firewalld zone ${want.zone}`;
  if (!now.firewalld) return [`${zone} was not read: ${now.firewalldProblem ?? 'firewalld is not active'}`];
  const out: string[] = [];
  if (now.firewalld.zone !== want.zone) out.push(`${zone}: read zone ${now.firewalld.zone} instead`);
  if (!sameRules(want.runtime, now.firewalld.runtime)) out.push(`${zone}: runtime rich rules`);
  if (!sameRules(want.permanent, now.firewalld.permanent)) out.push(`${zone}: permanent rich rules`);
  for (const file of want.files) {
    if (zoneFileDiffers(file, now.firewalld.files.find((f) => f.path === file.path))) out.push(`file ${file.path}`);
  }
  return out;
}

/**
 * firewalld as it was: the rich rules removed and added one by one at run time and permanently (no
 * reload: everyone else's run-time rules stay), then the zone's files put back byte for byte, since
 * firewalld rewrites them (and its .old backup) on every permanent change.
 */
function rollBackFirewalld(want: FirewalldState, now: FirewalldState): RemoteCommand[] {
  const runtime = editExactly(now.runtime, want.runtime);
  const permanent = editExactly(now.permanent, want.permanent);
  const commands: RemoteCommand[] = [
    ...firewallCmds(want.zone, false, runtime),
    ...firewallCmds(want.zone, true, permanent),
  ];
  const rewriteFiles = !isEmptyEdit(permanent) || want.files.some((f) => zoneFileDiffers(f, now.files.find((n) => n.path === f.path)));
  if (rewriteFiles) {
    for (const file of want.files) {
      commands.push(file.content === null ? removeFileCommand(file.path) : writeFileCommand({
        path: file.path, content: Buffer.from(file.content, 'base64'), owner: file.owner, group: file.group, mode: file.mode,
      }));
    }
  }
  return commands;
}

/**
 * The commands that put a node back as its snapshot says, from what it looks like now: the same
 * facts-versus-desired idea as `up`, with the snapshot as the desired state. Services are stopped
 * before their files are put back and started after, and only where something of theirs differs.
 */
export function planRollback(snapshot: Snapshot, now: RollbackFacts): RemoteCommand[] {
  const changedFiles = snapshot.files.filter((f) => fileDiffers(f, now.files.get(f.path)));
  const copies = changedCopies(snapshot, now);
  const changedPaths = new Set([...changedFiles, ...copies].map((f) => f.path));
  const inputs = serviceInputs(snapshot.nodedUser);
  const was = new Map<string, UnitFact | Snapshot['units'][number]>(snapshot.units.map((u) => [u.name, u]));
  const isActive = (name: string) => now.units.get(name)?.active === 'active';
  const wasActive = (name: string) => was.get(name)?.active === 'active';
  const touched = (service: Service) => inputs[service].some((p) => changedPaths.has(p));

  const commands: RemoteCommand[] = [];
  // Stop what runs (or keeps restarting) now but did not before, and what must re-read the files put back.
  const running = (name: string) => !['inactive', 'failed', ''].includes(now.units.get(name)?.active ?? '');
  const stop = STOP_ORDER.filter((s) => was.has(s) && running(s) && (!wasActive(s) || touched(s)));
  for (const s of stop) commands.push(systemctl('stop', s));
  // A unit that was stopped before and failed (or keeps restarting) now goes back to plain stopped,
  // before its unit file may go.
  for (const unit of snapshot.units) {
    const nowState = now.units.get(unit.name)?.active ?? 'inactive';
    if (!['active', 'failed'].includes(unit.active) && nowState !== 'inactive' && nowState !== 'active') {
      commands.push(systemctl('reset-failed', unit.name));
    }
  }
  for (const unit of snapshot.units) {
    const current = now.units.get(unit.name)?.enabled ?? '';
    if (current === 'enabled' && unit.enabled !== 'enabled') {
      commands.push(systemctl('disable', unit.name));
    }
  }
  for (const file of changedFiles) {
    commands.push(file.content === null ? removeFileCommand(file.path) : writeFileCommand({
      path: file.path, content: Buffer.from(file.content, 'base64'), owner: file.owner, group: file.group, mode: file.mode,
    }));
  }
  for (const dir of changedDirectories(snapshot, now)) {
    if (!isSnapshotDirectory(dir.path) || !ACCOUNT_NAME.test(dir.owner) || !ACCOUNT_NAME.test(dir.group) || !OCTAL_MODE.test(dir.mode)) {
      throw new Error(`snapshot: directory ${JSON.stringify(dir.path)} (${dir.owner}:${dir.group} ${dir.mode}) is not one a run may restore`);
    }
    commands.push(setDirectoryOwnership(dir.path, dir));
  }
  for (const copy of copies) commands.push(putBackCopyCommand(runDir(snapshot.run), copy));
  // Redis, stopped above when its file differs, must not find the primary's dataset when it starts.
  if (snapshot.redisData && changedPaths.has(HSTS.redisConf)) commands.push(putBackRedisDataCommand(runDir(snapshot.run), snapshot.redisData.rdb, snapshot.nodedUser));
  if (changedFiles.some((f) => f.path.startsWith('/lib/systemd/') || f.path.startsWith('/etc/systemd/'))) {
    commands.push(daemonReload());
  }
  for (const unit of snapshot.units) {
    const current = now.units.get(unit.name)?.enabled ?? '';
    if (unit.enabled === 'enabled' && current !== 'enabled') {
      commands.push(systemctl('enable', unit.name));
    }
  }
  if (snapshot.firewall && !sameFirewall(snapshot.firewall, now.firewall)) {
    commands.push(iptablesRestore(iptablesRestoreScript(now.firewall, snapshot.firewall), 'chain HSTS-CLUSTER as it was'));
  }
  if (snapshot.firewalld && now.firewalld) commands.push(...rollBackFirewalld(snapshot.firewalld, now.firewalld));
  for (const user of snapshot.users) {
    // Only an account a run could have made (useradd's range, UID_MIN 1000 to UID_MAX 60000: not
    // nobody's 65534) is ever deleted; any other is left, and the rollback then says it is not as it was.
    const uid = now.userIds.get(user.name);
    if (!user.exists && now.users.get(user.name) === true && isUseraddUid(uid)) {
      commands.push(deleteUser(user.name, uid));
    }
  }
  const stopped = new Set(stop);
  for (const s of SERVICES) {
    if (wasActive(s) && (!isActive(s) || stopped.has(s))) commands.push(systemctl('start', s));
  }
  return commands;
}

export function serializeSnapshot(snapshot: Snapshot): string {
  return `${JSON.stringify(snapshot)}\n`;
}
