import { restoreScript, sameFirewall, type FirewallState } from '../hsts/firewall.js';
import { HSTS, SERVICES, STOP_ORDER, serviceInputs, type Service } from '../hsts/paths.js';
import { shq } from '../ssh/shell.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { removeFileCommand, writeFileCommand } from '../steps/common.js';
import type { FileFact, NodeFacts, UnitFact } from '../steps/types.js';

/** What a node looked like before a run changed it: stored on the node, root only. */
export interface Snapshot {
  version: 1;
  run: string;
  node: string;
  createdAt: string;
  nodedUser: string;
  files: { path: string; content: string | null; owner: string; group: string; mode: string }[];
  units: { name: string; enabled: string; active: string }[];
  firewall: FirewallState;
}

export function takeSnapshot(run: string, node: string, nodedUser: string, facts: NodeFacts): Snapshot {
  return {
    version: 1,
    run,
    node,
    createdAt: new Date().toISOString(),
    nodedUser,
    files: [...facts.files.values()].map((f) => ({
      path: f.path, content: f.content === null ? null : f.content.toString('base64'), owner: f.owner, group: f.group, mode: f.mode,
    })),
    units: [...facts.units.values()].map((u) => ({ name: u.name, enabled: u.enabled, active: u.active })),
    firewall: facts.firewall,
  };
}

export function runDir(run: string): string {
  return `${HSTS.stateDir}/runs/${run}`;
}

function fileDiffers(want: Snapshot['files'][number], now: FileFact | undefined): boolean {
  if (!now) return false;
  if (want.content === null) return now.content !== null;
  return now.content === null || now.content.toString('base64') !== want.content ||
    now.owner !== want.owner || now.group !== want.group || now.mode !== want.mode;
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
  if (!sameFirewall(snapshot.firewall, now.firewall)) out.push('iptables chain HSTS-CLUSTER or its INPUT jump');
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
  const stop = STOP_ORDER.filter((s) => running(s) && (!wasActive(s) || touched(s)));
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
  if (changedFiles.some((f) => f.path.startsWith('/lib/systemd/') || f.path.startsWith('/etc/systemd/'))) {
    commands.push({ label: 'systemctl daemon-reload', code: 'systemctl daemon-reload' });
  }
  for (const unit of snapshot.units) {
    const current = now.units.get(unit.name)?.enabled ?? '';
    if (unit.enabled === 'enabled' && current !== 'enabled') {
      commands.push({ label: `systemctl enable ${unit.name}`, code: `systemctl enable ${shq(unit.name)} 2>&1` });
    }
  }
  if (!sameFirewall(snapshot.firewall, now.firewall)) {
    commands.push({
      label: 'iptables-restore --noflush (chain HSTS-CLUSTER as it was)',
      code: 'iptables-restore -w 5 --noflush < "$IN/rules"',
      inputs: { rules: restoreScript(now.firewall, snapshot.firewall) },
    });
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
  return parsed;
}
