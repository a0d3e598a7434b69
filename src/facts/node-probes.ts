/**
 * What the steps read on a node, one named probe each, its parser beside it; all read-only, asked
 * in one round trip. `nodeFacts` puts the answers together.
 */
import { parseFirewallState, persistenceFor, type FirewallState, type Persistence } from '../hsts/firewall.js';
import { parseFirewalldProbe } from '../hsts/firewalld.js';
import type { DirectoryFact } from '../hsts/directory.js';
import type { FileFact, NodeFacts, UnitFact } from '../hsts/node-facts.js';
import { HSTS } from '../hsts/paths.js';
import { parseListeners, type PortHolder } from '../hsts/port-holders.js';
import { parseRedisVersion, type Version } from '../hsts/redis-version.js';
import { listIptables, readFirewalldZone } from '../remote/firewall-tools.js';
import { outputProbe, type Answers, type Probe } from '../remote/probe.js';
import { parseSafeRead, safeReadCode } from '../remote/safe-files.js';
import { stateDirGuard } from '../remote/state-dir.js';
import { parseUnitShow, showUnits } from '../remote/systemctl.js';
import { hstsTransfers } from '../remote/transfers.js';
import { untrustedProgramsCode } from '../remote/trusted-programs.js';
import { shq } from '../ssh/shell.js';
import { copiesProbe, type CopyState } from './copies-probe.js';
import type { NeedsList } from './needs.js';

/**
 * Each path's probe, built once in a process. Its code (the safe read's functions, about 5 KB) is the
 * same on every node, and rendering a batch flattens the string its command holds: built per node,
 * the reads were 31 MB of a 501-node up's facts.
 */
const fileProbes = new Map<string, Probe<FileFact>>();

/** A file as the node has it, read without following a link (remote/safe-files.ts); refused says why not. */
export function fileProbe(path: string): Probe<FileFact> {
  let probe = fileProbes.get(path);
  if (!probe) fileProbes.set(path, probe = newFileProbe(path));
  return probe;
}

function newFileProbe(path: string): Probe<FileFact> {
  return outputProbe({ label: `read ${path}`, code: safeReadCode(path) }, (output) => {
    const read = parseSafeRead(output);
    if (read.state === 'absent') return { path, content: null, owner: '', group: '', mode: '' };
    if (read.state === 'refused') return { path, content: null, owner: '', group: '', mode: '', refused: read.reason };
    return { path, content: read.content, owner: read.owner, group: read.group, mode: read.mode, links: read.links };
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

export interface UsersFact {
  exists: Map<string, boolean>;
  /** The uid of each user that exists (pre-flight and the port checks compare socket owners with it). */
  uids: Map<string, number>;
}

export function usersProbe(names: string[]): Probe<UsersFact> {
  return outputProbe({
    label: 'which users exist',
    code: `for u in ${names.map(shq).join(' ')}; do if l=$(getent passwd "$u"); then IFS=: read -r _ _ id _ <<<"$l"; echo "$u yes $id"; else echo "$u no"; fi; done`,
  }, (output) => {
    const exists = new Map<string, boolean>();
    const uids = new Map<string, number>();
    for (const line of output.split('\n').filter(Boolean)) {
      const [user = '', yes, id = ''] = line.split(' ');
      exists.set(user, yes === 'yes');
      if (yes === 'yes' && /^\d+$/.test(id)) uids.set(user, Number(id));
    }
    return { exists, uids };
  });
}

export interface DirectoriesFact {
  directories: Map<string, DirectoryFact>;
  /** The groups (gids) of the account `needs.directories.user`; [] when it does not exist. */
  gids: number[];
}

const missingDirectory = (path: string): DirectoryFact => ({ path, exists: false, kind: 'missing', uid: -1, gid: -1, owner: '', group: '', mode: '' });

/** Each directory's kind, owner and mode (stat on the path itself: a symlink is reported, never followed), and USER's gids. */
export function directoriesProbe(paths: string[], user: string): Probe<DirectoriesFact> {
  return outputProbe({
    label: `directories ${paths.join(' ')} (owner, mode; groups of ${user})`,
    code: `echo "gids=$(id -G ${shq(user)} 2>/dev/null)"; for d in ${paths.map(shq).join(' ')}; do ` +
      'if [ -L "$d" ]; then echo "symlink $d"; elif [ -d "$d" ]; then echo "directory $(stat -c \'%u %g %U %G %a\' "$d") $d"; ' +
      'elif [ -e "$d" ]; then echo "other $d"; else echo "missing $d"; fi; done',
  }, (output) => {
    const lines = output.split('\n');
    const gids = (lines.find((l) => l.startsWith('gids='))?.slice(5) ?? '').split(' ').filter((g) => /^\d+$/.test(g)).map(Number);
    const directories = new Map(paths.map((p) => [p, missingDirectory(p)]));
    for (const line of lines) {
      const dir = /^directory (\d+) (\d+) (\S+) (\S+) ([0-7]{3,4}) (.+)$/.exec(line);
      if (dir && directories.has(dir[6]!)) {
        directories.set(dir[6]!, { path: dir[6]!, exists: true, kind: 'directory', uid: Number(dir[1]), gid: Number(dir[2]), owner: dir[3]!, group: dir[4]!, mode: dir[5]! });
        continue;
      }
      const other = /^(symlink|other) (.+)$/.exec(line);
      if (other && directories.has(other[2]!)) directories.set(other[2]!, { ...missingDirectory(other[2]!), kind: other[1] as 'symlink' | 'other' });
    }
    return { directories, gids };
  });
}

/**
 * Whether each path is an executable regular file, links followed (`[ -f ] && [ -x ]`, bash
 * builtins): a login shell the users to create will run, not root. Every path asked gets an answer.
 */
export function shellsProbe(paths: string[]): Probe<Map<string, boolean>> {
  return outputProbe({
    label: `login shells ${paths.join(' ')}`,
    code: `for s in ${paths.map(shq).join(' ')}; do if [ -f "$s" ] && [ -x "$s" ]; then echo "yes $s"; else echo "no $s"; fi; done`,
  }, (output) => {
    const found = new Set(output.split('\n').filter((l) => l.startsWith('yes ')).map((l) => l.slice(4)));
    return new Map(paths.map((p) => [p, found.has(p)]));
  });
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
  listeners: Map<number, PortHolder[]>;
  lockHolder: string | null;
  asredisVersion: Version | null;
  /** Components on the way to IBM's programs that another account could change (remote/trusted-programs.ts). */
  untrustedPrograms: string[];
  /** Why hsts-cluster's state directory may not be used (remote/state-dir.ts), or null. */
  stateProblem: string | null;
}

/**
 * Every listening TCP socket (`ss -Htlne`: its uid and inode, first on its line, and no process
 * names, which any account chooses and ss prints as they are, newline included), the processes
 * holding each (one `find` over /proc/PID/fd for the sockets' inodes), each holder's ancestry from
 * /proc (bash builtins only, bounded), its name for display (sanitised) and each socket uid's
 * name: who holds a port is decided by pid and uid (hsts/port-holders.ts), not by program name.
 */
export const LISTENERS_CODE = [
  // A subshell: whatever stops it, the rest of the environment probe (IBM's programs' check) runs.
  '(ss -Htlne 2>/dev/null | { declare -A seen=() inos=()',
  'while read -r _ _ _ a _ r; do',
  // Only what ss puts first is printed: a cgroup path after it is another account's choosing.
  '  [[ $r =~ ^(uid:([0-9]+) )?ino:([0-9]+) ]] || continue',
  '  echo "listen=$a ${BASH_REMATCH[0]}"',
  '  inos[${BASH_REMATCH[3]}]=1; u=${BASH_REMATCH[2]:-0}',
  '  if [ "$u" != 0 ] && [ -z "${seen[u$u]:-}" ]; then seen[u$u]=1; echo "uidname=$u $(id -nu "$u" 2>/dev/null)"; fi',
  'done',
  '[ ${#inos[@]} -gt 0 ] || exit 0',
  "find /proc/[0-9]*/fd -lname 'socket:\\[*' -printf '%l %h\\n' 2>/dev/null | while read -r l d; do",
  '  i=${l#socket:\\[}; i=${i%]}; [ -n "$i" ] && [ -n "${inos[$i]:-}" ] || continue',
  '  p=${d#/proc/}; p=${p%/fd}; echo "holder=$i $p"; [ -z "${seen[p$p]:-}" ] || continue; seen[p$p]=1',
  '  c=; read -r c 2>/dev/null < /proc/$p/comm; echo "comm=$p ${c//[^[:alnum:]._-]/?}"',
  '  c=$p; up=; n=0',
  '  while [ "$c" -gt 1 ] && [ $n -lt 32 ]; do q=; while read -r k v; do [ "$k" = PPid: ] && { q=$v; break; }; done 2>/dev/null < /proc/$c/status; [ -n "$q" ] || break; up="$up $q"; c=$q; n=$((n+1)); done',
  '  echo "ancestry=$p$up"',
  'done; }) || true',
].join('\n');

/** Built once, as each file's probe is (fileProbe): the same 7 KB of code on every node. */
let environment: Probe<Environment> | undefined;

/** Root, HSTS, the firewall tools, transfers, listeners and the run lock: KEY=VALUE lines. */
export function environmentProbe(): Probe<Environment> {
  return environment ??= newEnvironmentProbe();
}

function newEnvironmentProbe(): Probe<Environment> {
  return outputProbe({
    label: 'environment (root, HSTS, firewall tools, transfers, listeners, lock)',
    code: [
      'echo "uid=$(id -u)"',
      `[ -x ${HSTS.asconfigurator} ] && [ -f ${HSTS.asperaConf} ] && echo hsts=yes || echo hsts=no`,
      'command -v netfilter-persistent >/dev/null 2>&1 && echo nfp=yes || echo nfp=no',
      '[ -f /usr/lib/systemd/system/iptables.service ] || [ -f /lib/systemd/system/iptables.service ] && echo ipts=yes || echo ipts=no',
      'echo "firewalld=$(systemctl is-active firewalld 2>/dev/null || true)"',
      `{\n${hstsTransfers().code}\n} | sed "s/^/transfer=/"`,
      LISTENERS_CODE,
      untrustedProgramsCode(),
      'echo "programs_trusted=$programs_trusted"',
      // asredis runs as root only when no other account could have replaced it.
      `[ "$programs_trusted" = yes ] && [ -x ${HSTS.asredis} ] && echo "asredis=$(timeout 5 ${HSTS.asredis} --version 2>/dev/null | head -n 1)" || true`,
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
      listeners: parseListeners({ listen: values('listen'), holders: values('holder'), ancestry: values('ancestry'), uidNames: values('uidname'), comms: values('comm') }),
      lockHolder: values('lock')[0] ?? null,
      asredisVersion: parseRedisVersion((values('asredis')[0] ?? '').slice(0, 200)),
      // No verdict (the answer ended early): not checked, so not trusted.
      untrustedPrograms: values('programs_trusted')[0] === 'yes' ? [] : values('untrusted').length > 0 ? values('untrusted') : [`${HSTS.bin}|||unchecked`],
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
  users: Probe<UsersFact>;
  iptables: Probe<FirewallState>;
  environment: Probe<Environment>;
  firewalld: Probe<ReturnType<typeof parseFirewalldProbe>> | undefined;
  copies: Probe<Map<string, CopyState>> | undefined;
  directories: Probe<DirectoriesFact> | undefined;
  shells: Probe<Map<string, boolean>> | undefined;
};

/** The facts a rollback reads besides the node's: how each opaque file is against its copy. */
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
    directories: needs.directories?.paths.length ? directoriesProbe(needs.directories.paths, needs.directories.user) : undefined,
    shells: needs.shells?.length ? shellsProbe(needs.shells) : undefined,
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
    users: answers.users.exists,
    userIds: answers.users.uids,
    firewall: answers.iptables,
    persistence: env.persistence,
    firewalld: firewalld.state,
    firewalldProblem: firewalld.error ?? stoppedMeanwhile,
    isRoot: env.isRoot,
    hstsInstalled: env.hstsInstalled,
    transfers: env.transfers,
    listeners: env.listeners,
    lockHolder: env.lockHolder,
    asredisVersion: env.asredisVersion,
    untrustedPrograms: env.untrustedPrograms,
    stateProblem: env.stateProblem,
    copies: answers.copies ?? new Map<string, CopyState>(),
    directories: answers.directories?.directories ?? new Map<string, DirectoryFact>(),
    nodedGids: answers.directories?.gids ?? [],
    shells: answers.shells ?? new Map<string, boolean>(),
  };
}
