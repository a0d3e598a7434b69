import { restoreScript, sameFirewall, type FirewallState } from '../hsts/firewall.js';
import { tokenize } from '../hsts/conf-lines.js';
import { HSTS, SERVICES, STOP_ORDER, serviceInputs, type Service } from '../hsts/paths.js';
import { shq } from '../ssh/shell.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { removeFileCommand, writeFileCommand } from '../steps/common.js';
import { rdbPath, restoreRedisDataCommand } from './redis-data.js';
import type { FileFact, NodeFacts, ResourceRef, UnitFact } from '../steps/types.js';

/** What a node looked like before a run changed it: stored on the node, root only. */
export interface Snapshot {
  version: 1;
  run: string;
  node: string;
  createdAt: string;
  nodedUser: string;
  files: { path: string; content: string | null; owner: string; group: string; mode: string }[];
  units: { name: string; enabled: string; active: string }[];
  /** OS users the run may create, and whether each existed. */
  users: { name: string; exists: boolean }[];
  /** Our chain and its jumps; null when the run does not touch the firewall. */
  firewall: FirewallState | null;
  /** The RDB file of a Redis the run makes a replica; its copy is redis.rdb in the run directory. */
  redisData: { rdb: string } | null;
}

/**
 * The node as the run found it, limited to what the run's changes touch (and the services that read
 * those files): a rollback restores exactly that, and nothing Redis or Sentinel changed meanwhile.
 */
export function takeSnapshot(run: string, node: string, nodedUser: string, facts: NodeFacts, touches: ResourceRef[]): Snapshot {
  const files = new Set(touches.flatMap((t) => (t.kind === 'file' ? [t.path] : [])));
  const units = new Set(touches.flatMap((t) => (t.kind === 'unit' ? [t.name] : [])));
  const inputs = serviceInputs(nodedUser);
  for (const service of SERVICES) if (inputs[service].some((path) => files.has(path))) units.add(service);
  const users = new Set(touches.flatMap((t) => (t.kind === 'user' ? [t.name] : [])));
  return {
    version: 1,
    run,
    node,
    createdAt: new Date().toISOString(),
    nodedUser,
    files: [...facts.files.values()].filter((f) => files.has(f.path)).map((f) => ({
      path: f.path, content: f.content === null ? null : f.content.toString('base64'), owner: f.owner, group: f.group, mode: f.mode,
    })),
    units: [...facts.units.values()].filter((u) => units.has(u.name)).map((u) => ({ name: u.name, enabled: u.enabled, active: u.active })),
    users: [...facts.users].filter(([name]) => users.has(name)).map(([name, exists]) => ({ name, exists })),
    firewall: touches.some((t) => t.kind === 'firewall') ? facts.firewall : null,
    redisData: touches.some((t) => t.kind === 'redis-data') ? { rdb: rdbPath(facts.files.get(HSTS.redisConf)?.content?.toString('utf8') ?? null) } : null,
  };
}

export function runDir(run: string): string {
  return `${HSTS.stateDir}/runs/${run}`;
}

/**
 * The lines of a Redis or Sentinel file that are not their own run-time state (ids, epochs, known
 * peers, the CONFIG REWRITE marker), as parsed arguments: restoring a file means restoring these;
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

function fileDiffers(want: Snapshot['files'][number], now: FileFact | undefined): boolean {
  if (!now) return false;
  if (want.content === null) return now.content !== null;
  if (now.content === null || now.owner !== want.owner || now.group !== want.group || now.mode !== want.mode) return true;
  const before = Buffer.from(want.content, 'base64');
  if (REWRITTEN_BY_REDIS.has(want.path)) return configuredLines(before.toString('utf8')) !== configuredLines(now.content.toString('utf8'));
  return !now.content.equals(before);
}

/** Where the node differs from its snapshot, one line each; [] when it is as it was. */
export function differences(snapshot: Snapshot, now: NodeFacts): string[] {
  const out: string[] = [];
  for (const file of snapshot.files) if (fileDiffers(file, now.files.get(file.path))) out.push(`file ${file.path}`);
  for (const unit of snapshot.units) {
    const current = now.units.get(unit.name);
    if (!current) continue;
    if (current.enabled !== unit.enabled) out.push(`unit ${unit.name} is ${current.enabled || 'not installed'}, was ${unit.enabled || 'not installed'}`);
    // A unit that had failed is back as stopped: that is as it was (a failure is not restored).
    const same = current.active === unit.active || (unit.active === 'failed' && current.active === 'inactive');
    if (!same) out.push(`unit ${unit.name} is ${current.active}, was ${unit.active}`);
  }
  if (snapshot.firewall && !sameFirewall(snapshot.firewall, now.firewall)) out.push('iptables chain HSTS-CLUSTER or its INPUT jump');
  for (const user of snapshot.users) {
    const exists = now.users.get(user.name);
    if (exists !== undefined && exists !== user.exists) out.push(`user ${user.name} ${exists ? 'exists' : 'is missing'}, ${user.exists ? 'existed' : 'did not exist'}`);
  }
  return out;
}

/**
 * The commands that put a node back as its snapshot says, from what it looks like now: the same
 * facts-versus-desired idea as `up`, with the snapshot as the desired state. Services are stopped
 * before their files are restored and started after, and only where something of theirs differs.
 */
export function planRestore(snapshot: Snapshot, now: NodeFacts): RemoteCommand[] {
  const changedFiles = snapshot.files.filter((f) => fileDiffers(f, now.files.get(f.path)));
  const changedPaths = new Set(changedFiles.map((f) => f.path));
  const inputs = serviceInputs(snapshot.nodedUser);
  const was = new Map<string, UnitFact | Snapshot['units'][number]>(snapshot.units.map((u) => [u.name, u]));
  const isActive = (name: string) => now.units.get(name)?.active === 'active';
  const wasActive = (name: string) => was.get(name)?.active === 'active';
  const touched = (service: Service) => inputs[service].some((p) => changedPaths.has(p));

  const commands: RemoteCommand[] = [];
  // Stop what runs (or keeps restarting) now but did not before, and what must re-read restored files.
  const running = (name: string) => !['inactive', 'failed', ''].includes(now.units.get(name)?.active ?? '');
  const stop = STOP_ORDER.filter((s) => was.has(s) && running(s) && (!wasActive(s) || touched(s)));
  for (const s of stop) commands.push({ label: `systemctl stop ${s}`, code: `systemctl stop ${s}` });
  // A unit that was stopped before and failed (or keeps restarting) now goes back to plain stopped,
  // before its unit file may go.
  for (const unit of snapshot.units) {
    const nowState = now.units.get(unit.name)?.active ?? 'inactive';
    if (!['active', 'failed'].includes(unit.active) && nowState !== 'inactive' && nowState !== 'active') {
      commands.push({ label: `systemctl reset-failed ${unit.name}`, code: `systemctl reset-failed ${shq(unit.name)} 2>/dev/null; true` });
    }
  }
  for (const unit of snapshot.units) {
    const current = now.units.get(unit.name)?.enabled ?? '';
    if (current === 'enabled' && unit.enabled !== 'enabled') {
      commands.push({ label: `systemctl disable ${unit.name}`, code: `systemctl disable ${shq(unit.name)} 2>&1` });
    }
  }
  for (const file of changedFiles) {
    commands.push(file.content === null ? removeFileCommand(file.path) : writeFileCommand({
      path: file.path, content: Buffer.from(file.content, 'base64'), owner: file.owner, group: file.group, mode: file.mode,
    }));
  }
  // Redis, stopped above when its file differs, must not find the primary's dataset when it starts.
  if (snapshot.redisData && changedPaths.has(HSTS.redisConf)) commands.push(restoreRedisDataCommand(runDir(snapshot.run), snapshot.redisData.rdb));
  if (changedFiles.some((f) => f.path.startsWith('/lib/systemd/') || f.path.startsWith('/etc/systemd/'))) {
    commands.push({ label: 'systemctl daemon-reload', code: 'systemctl daemon-reload' });
  }
  for (const unit of snapshot.units) {
    const current = now.units.get(unit.name)?.enabled ?? '';
    if (unit.enabled === 'enabled' && current !== 'enabled') {
      commands.push({ label: `systemctl enable ${unit.name}`, code: `systemctl enable ${shq(unit.name)} 2>&1` });
    }
  }
  if (snapshot.firewall && !sameFirewall(snapshot.firewall, now.firewall)) {
    commands.push({
      label: 'iptables-restore --noflush (chain HSTS-CLUSTER as it was)',
      code: 'iptables-restore -w 5 --noflush < "$IN/rules"',
      inputs: { rules: restoreScript(now.firewall, snapshot.firewall) },
    });
  }
  for (const user of snapshot.users) {
    if (!user.exists && now.users.get(user.name) === true) {
      commands.push({ label: `userdel --remove ${user.name}`, code: `userdel --remove ${shq(user.name)} 2>&1` });
    }
  }
  const stopped = new Set(stop);
  for (const s of SERVICES) {
    if (wasActive(s) && (!isActive(s) || stopped.has(s))) commands.push({ label: `systemctl start ${s}`, code: `systemctl start ${s}` });
  }
  return commands;
}

export function serializeSnapshot(snapshot: Snapshot): string {
  return `${JSON.stringify(snapshot)}\n`;
}

export function parseSnapshot(text: string): Snapshot {
  const parsed = JSON.parse(text) as Snapshot;
  if (parsed.version !== 1 || !Array.isArray(parsed.files)) throw new Error('not an hsts-cluster snapshot');
  return { ...parsed, users: parsed.users ?? [], redisData: parsed.redisData ?? null };
}
