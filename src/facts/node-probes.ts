/**
 * What the steps read on a node, one named probe each, its parser beside it; all read-only, asked
 * in one round trip. `nodeFacts` puts the answers together.
 */
import { parseFirewallState, persistenceFor, type FirewallState, type Persistence } from '../hsts/firewall.js';
import { parseFirewalldProbe } from '../hsts/firewalld.js';
import type { FileFact, NodeFacts, UnitFact } from '../hsts/node-facts.js';
import { HSTS } from '../hsts/paths.js';
import { listIptables, readFirewalldZone } from '../remote/firewall-tools.js';
import { outputProbe, type Answers, type Probe } from '../remote/probe.js';
import { stateDirGuard } from '../remote/state-dir.js';
import { parseUnitShow, showUnits } from '../remote/systemctl.js';
import { shPath, shq } from '../ssh/shell.js';
import { copiesProbe, type CopyState } from './copies-probe.js';
import type { NeedsList } from './needs.js';

export function fileProbe(path: string): Probe<FileFact> {
  return outputProbe({
    label: `read ${path}`,
    code: `f=${shPath(path)}; if [ -e "$f" ]; then stat -c '%U %G %a' "$f" && base64 -w0 "$f"; else echo ABSENT; fi`,
  }, (output) => {
    if (output.trim() === 'ABSENT') return { path, content: null, owner: '', group: '', mode: '' };
    const [meta = '', b64 = ''] = output.split('\n');
    const [owner = '', group = '', mode = ''] = meta.split(' ');
    return { path, content: Buffer.from(b64.trim(), 'base64'), owner, group, mode };
  });
}

/** Every unit asked for; one systemd does not know is "not-found" and inactive. */
export function unitsProbe(names: string[]): Probe<Map<string, UnitFact>> {
  return outputProbe(showUnits(names), (output) => {
    const units = parseUnitShow(output);
    for (const name of names) {
      if (!units.has(name)) units.set(name, { name, load: 'not-found', enabled: '', active: 'inactive', mainPid: 0, umask: '' });
    }
    return units;
  });
}

export function usersProbe(names: string[]): Probe<Map<string, boolean>> {
  return outputProbe({
    label: 'which users exist',
    code: `for u in ${names.map(shq).join(' ')}; do if getent passwd "$u" >/dev/null; then echo "$u yes"; else echo "$u no"; fi; done`,
  }, (output) => new Map(output.split('\n').filter(Boolean).map((line) => {
    const [user = '', yes] = line.split(' ');
    return [user, yes === 'yes'] as const;
  })));
}

export function iptablesProbe(): Probe<FirewallState> {
  return outputProbe(listIptables(), (output) => {
    const [chainListing = '', inputListing = ''] = output.split('---\n');
    return parseFirewallState(chainListing, inputListing);
  });
}

export interface Environment {
  isRoot: boolean;
  hstsInstalled: boolean;
  persistence: Persistence | null;
  firewalldActive: boolean;
  transfers: string[];
  listeners: Map<number, string[]>;
  lockHolder: string | null;
  /** Why hsts-cluster's state directory may not be used (remote/state-dir.ts), or null. */
  stateProblem: string | null;
}

function parseListeners(lines: string[]): Map<number, string[]> {
  const listeners = new Map<number, string[]>();
  for (const line of lines) {
    const [address = '', users = ''] = line.split(' ');
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    const names = [...users.matchAll(/\("([^"]+)"/g)].map((m) => m[1]!);
    listeners.set(port, [...(listeners.get(port) ?? []), ...names]);
  }
  return listeners;
}

/** Root, HSTS, the firewall tools, transfers, listeners and the run lock: KEY=VALUE lines. */
export function environmentProbe(): Probe<Environment> {
  return outputProbe({
    label: 'environment (root, HSTS, firewall tools, transfers, listeners, lock)',
    code: [
      'echo "uid=$(id -u)"',
      `[ -x ${HSTS.asconfigurator} ] && [ -f ${HSTS.asperaConf} ] && echo hsts=yes || echo hsts=no`,
      'command -v netfilter-persistent >/dev/null 2>&1 && echo nfp=yes || echo nfp=no',
      '[ -f /usr/lib/systemd/system/iptables.service ] || [ -f /lib/systemd/system/iptables.service ] && echo ipts=yes || echo ipts=no',
      'echo "firewalld=$(systemctl is-active firewalld 2>/dev/null || true)"',
      'pgrep -a -x ascp | sed "s/^/transfer=/" || true',
      "ss -Htlnp 2>/dev/null | awk '{print \"listen=\" $4 \" \" $6}' || true",
      // The lock is read only from a state directory that passes its check (remote/state-dir.ts).
      `st=$(${stateDirGuard('read')}\necho ok)`,
      `if [ "$st" = ok ]; then [ -f ${HSTS.lockDir}/holder.json ] && [ ! -L ${HSTS.lockDir}/holder.json ] && echo "lock=$(head -c 4096 ${HSTS.lockDir}/holder.json | tr -d '\\n')"; else printf 'state=%s\\n' "\${st%%$'\\n'*}"; fi; true`,
    ].join('\n'),
  }, (output) => {
    const lines = output.split('\n');
    const values = (key: string) => lines.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
    return {
      isRoot: values('uid')[0] === '0',
      hstsInstalled: values('hsts')[0] === 'yes',
      persistence: persistenceFor({ netfilterPersistent: values('nfp')[0] === 'yes', iptablesServices: values('ipts')[0] === 'yes' }),
      firewalldActive: values('firewalld')[0] === 'active',
      transfers: values('transfer'),
      listeners: parseListeners(values('listen')),
      lockHolder: values('lock')[0] ?? null,
      stateProblem: values('state')[0] ?? null,
    };
  });
}

export function firewalldProbe(target: NonNullable<NeedsList['firewalld']>): Probe<ReturnType<typeof parseFirewalldProbe>> {
  return outputProbe(readFirewalldZone(target.privateIp, target.zone), parseFirewalldProbe);
}

const fileKey = (path: string) => `file ${path}` as const;

export type NodeProbes = Record<`file ${string}`, Probe<FileFact>> & {
  units: Probe<Map<string, UnitFact>>;
  users: Probe<Map<string, boolean>>;
  iptables: Probe<FirewallState>;
  environment: Probe<Environment>;
  firewalld: Probe<ReturnType<typeof parseFirewalldProbe>> | undefined;
  copies: Probe<Map<string, CopyState>> | undefined;
};

/** The facts a restore reads besides the node's: how each opaque file is against its copy. */
export interface CopyFacts {
  copies: Map<string, CopyState>;
}

/** The probes for what `needs` lists, by name: `file PATH` for each file, then the rest. */
export function nodeProbes(needs: NeedsList): NodeProbes {
  const files: Record<`file ${string}`, Probe<FileFact>> = Object.fromEntries(needs.files.map((path) => [fileKey(path), fileProbe(path)]));
  return {
    ...files,
    units: unitsProbe(needs.units),
    users: usersProbe(needs.users),
    iptables: iptablesProbe(),
    environment: environmentProbe(),
    firewalld: needs.firewalld ? firewalldProbe(needs.firewalld) : undefined,
    copies: needs.copies?.files.length ? copiesProbe(needs.copies.runDir, needs.copies.files) : undefined,
  };
}

/** The node's facts (all but the runtime ones) from the answers to `nodeProbes(needs)`. */
export function nodeFacts(needs: NeedsList, answers: Answers<NodeProbes>): Omit<NodeFacts, 'runtime'> & CopyFacts {
  const { environment: env } = answers;
  const files = new Map(needs.files.map((path) => [path, answers[fileKey(path)] ?? fileProbe(path).parse(undefined)]));
  const firewalld = needs.firewalld && env.firewalldActive && answers.firewalld ? answers.firewalld : { state: null };
  const stoppedMeanwhile = env.firewalldActive && needs.firewalld && !firewalld.state ? 'firewalld stopped while its state was read' : null;
  return {
    files,
    units: answers.units,
    users: answers.users,
    firewall: answers.iptables,
    persistence: env.persistence,
    firewalld: firewalld.state,
    firewalldProblem: firewalld.error ?? stoppedMeanwhile,
    isRoot: env.isRoot,
    hstsInstalled: env.hstsInstalled,
    transfers: env.transfers,
    listeners: env.listeners,
    lockHolder: env.lockHolder,
    stateProblem: env.stateProblem,
    copies: answers.copies ?? new Map<string, CopyState>(),
  };
}
