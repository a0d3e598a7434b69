/**
 * Who holds a listening TCP port, as `ss -Htlne` and /proc say, and whether that holder is the
 * cluster's own server. Decided by identity, never by program name: IBM's stock Redis runs as a
 * binary named `asperaredisd`, the rig's as `redis-server`, and any local account can name a
 * program either way.
 */

import { IPV4 } from '../util/ipv4.js';

/** One process holding a listening socket (or the socket alone when root cannot see its process). */
export interface PortHolder {
  /** The socket's local address as ss prints it, without the port ("0.0.0.0", "[::]", "127.0.0.53%lo"). */
  address: string;
  /** null when no process was found holding the socket (a root without CAP_SYS_PTRACE sees none for other users). */
  pid: number | null;
  command: string | null;
  /** The socket's owner (`ss -e` prints no uid for root's sockets: 0). */
  uid: number;
  /** The uid's name on the node, when it has one. */
  user: string | null;
  /** The pid's parent, its parent's parent, ... up to PID 1 (bounded), as /proc said. */
  ancestors: number[];
}

/** What makes a holder ours: the serving unit's MainPID (or an ancestor of the holder) or the noded user's uid. */
export interface ExpectedOwner {
  unit: string;
  mainPid: number;
  nodedUser: string;
  nodedUid: number | null;
}

/**
 * Whether a listener on `address` (as ss prints it) may receive connections to `ip`, and so whether
 * a server binding `ip` alone may find the port taken. It fails closed: a listener is left out only
 * when `ip` is an IPv4 address other than 0.0.0.0 (a connection to which reaches a loopback
 * listener) and the listener certainly cannot receive it, being on another IPv4 address (Docker's
 * resolver on 127.0.0.11, a local service on 127.0.0.1), that address mapped into IPv6, or an IPv6
 * address that is neither the any address nor a mapped one. A wildcard of any spelling (`*`,
 * `0.0.0.0`, `[::]`, `[::ffff:0.0.0.0]`, which any account may bind and which receives IPv4 on every
 * address), one device's (`%eth0`), and anything unrecognised count. listener-guard.ts says the
 * same in bash.
 */
export function listensOn(address: string, ip: string): boolean {
  if (!IPV4.test(ip) || ip === '0.0.0.0') return true;
  const bracketed = /^\[([^\]]*)\]/.exec(address);
  let host = (bracketed ? bracketed[1]! : address).split('%')[0]!.toLowerCase();
  if (host.includes(':')) {
    // IPv6 receives IPv4 only on the any address or a mapped one (taken to be any address with ffff in it).
    if (!host.includes('ffff')) return /^[0:.]*$/.test(host);
    host = host.slice(host.lastIndexOf(':') + 1);
  }
  return !IPV4.test(host) || host === ip || host === '0.0.0.0';
}

/** A listening socket's local address and port from ss's `ADDRESS:PORT` column; null without a port. */
export function splitSocket(text: string): { address: string; port: number } | null {
  const colon = text.lastIndexOf(':');
  const port = Number(text.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port <= 0) return null;
  return { address: text.slice(0, colon), port };
}

/** Whether the holder is the unit's own process: its MainPID, or a process that MainPID started. */
export function isUnitProcess(holder: PortHolder, mainPid: number): boolean {
  if (mainPid <= 0 || holder.pid === null) return false;
  return holder.pid === mainPid || holder.ancestors.includes(mainPid);
}

export function isOurHolder(holder: PortHolder, owner: ExpectedOwner): boolean {
  if (owner.nodedUid !== null && holder.uid === owner.nodedUid) return true;
  return isUnitProcess(holder, owner.mainPid);
}

export function describeHolder(holder: PortHolder): string {
  const user = holder.user ?? `uid ${holder.uid}`;
  return holder.pid === null ? `an unseen process as user ${user}` : `pid ${holder.pid} (${holder.command ?? '?'}) as user ${user}`;
}

/** One problem per foreign holder of `port`: port, pid, command and user named. */
export function foreignHolderProblems(port: number, holders: readonly PortHolder[], owner: ExpectedOwner): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const holder of holders) {
    if (isOurHolder(holder, owner)) continue;
    const problem = `port ${port} is held by ${describeHolder(holder)}, not by ${owner.unit} or user ${owner.nodedUser}`;
    if (!seen.has(problem)) problems.push(problem);
    seen.add(problem);
  }
  return problems;
}

const MAX_LINE = 4096;

/** The environment probe's answer about listeners, by line kind (see LISTENERS_CODE in facts/node-probes.ts). */
export interface ListenerLines {
  /** `ADDRESS REST-OF-SS-LINE` of `ss -Htlne`: uid (absent for root's) and inode come first in REST. */
  listen: string[];
  /** `INODE PID`: a process holding that socket. */
  holders: string[];
  /** `PID PPID PPID ...` up to PID 1. */
  ancestry: string[];
  /** `UID NAME`. */
  uidNames: string[];
  /** `PID NAME`: the process's name, sanitised on the node (display only). */
  comms: string[];
}

const fields = (line: string) => line.slice(0, MAX_LINE).trim().split(/\s+/);

/**
 * The listening sockets by port, each with its holders. The uid and inode are read where ss puts
 * them, first after the addresses, before anything another account chooses (a cgroup path may add
 * text after them, or even a line: an added line only adds a holder, and every holder must be ours).
 * Bounded: a line longer than MAX_LINE is cut.
 */
export function parseListeners(lines: ListenerLines): Map<number, PortHolder[]> {
  const parents = new Map<number, number[]>();
  for (const line of lines.ancestry) {
    const [pid, ...up] = fields(line).map(Number);
    if (pid !== undefined && Number.isInteger(pid)) parents.set(pid, up.filter((p) => Number.isInteger(p) && p > 0));
  }
  const names = new Map<number, string>();
  for (const line of lines.uidNames) {
    const [uid = '', name = ''] = fields(line);
    if (/^\d+$/.test(uid) && /^[A-Za-z0-9._-]{1,64}$/.test(name)) names.set(Number(uid), name);
  }
  const comms = new Map<number, string>();
  for (const line of lines.comms) {
    const [pid = '', name = ''] = fields(line);
    if (/^\d+$/.test(pid)) comms.set(Number(pid), name.slice(0, 64) || '?');
  }
  const pidsByInode = new Map<string, number[]>();
  for (const line of lines.holders) {
    const [inode = '', pid = ''] = fields(line);
    if (!/^\d+$/.test(inode) || !/^\d+$/.test(pid)) continue;
    const pids = pidsByInode.get(inode) ?? [];
    if (!pids.includes(Number(pid))) pids.push(Number(pid));
    pidsByInode.set(inode, pids);
  }
  const listeners = new Map<number, PortHolder[]>();
  for (const raw of lines.listen) {
    const [column = '', ...rest] = raw.slice(0, MAX_LINE).split(' ');
    const local = splitSocket(column);
    if (!local) continue;
    const socket = /^(?:uid:(\d+) )?ino:(\d+)(?: |$)/.exec(rest.join(' '));
    if (!socket) continue;
    const { address: host, port } = local;
    const uid = Number(socket[1] ?? 0);
    const user = names.get(uid) ?? (uid === 0 ? 'root' : null);
    const pids = pidsByInode.get(socket[2]!) ?? [];
    const holders: PortHolder[] = pids.length > 0
      ? pids.map((pid) => ({ address: host, pid, command: comms.get(pid) ?? '?', uid, user, ancestors: parents.get(pid) ?? [] }))
      : [{ address: host, pid: null, command: null, uid, user, ancestors: [] }];
    listeners.set(port, [...(listeners.get(port) ?? []), ...holders]);
  }
  return listeners;
}
