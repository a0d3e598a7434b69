/**
 * Who holds a listening TCP port, as `ss -Htlnpe` and /proc say, and whether that holder is the
 * cluster's own server. Decided by identity, never by program name: IBM's stock Redis runs as a
 * binary named `asperaredisd`, the rig's as `redis-server`, and any local account can name a
 * program either way.
 */

/** One process holding a listening socket (or the socket alone when root cannot see its process). */
export interface PortHolder {
  /** null when `ss -p` showed no process (a root without CAP_SYS_PTRACE sees none for other users). */
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

/**
 * The environment probe's `listen=` lines (`ADDRESS REST-OF-SS-LINE`), its `ancestry=PID PPID ...`
 * lines and `uidname=UID NAME` lines, by port. Bounded: a line longer than MAX_LINE is cut.
 */
export function parseListeners(listen: string[], ancestry: string[], uidNames: string[]): Map<number, PortHolder[]> {
  const parents = new Map<number, number[]>();
  for (const line of ancestry) {
    const [pid, ...up] = line.trim().split(/\s+/).map(Number);
    if (pid !== undefined && Number.isInteger(pid)) parents.set(pid, up.filter((p) => Number.isInteger(p) && p > 0));
  }
  const names = new Map<number, string>();
  for (const line of uidNames) {
    const [uid = '', name = ''] = line.trim().split(/\s+/);
    if (/^\d+$/.test(uid) && /^[A-Za-z0-9._-]{1,64}$/.test(name)) names.set(Number(uid), name);
  }
  const listeners = new Map<number, PortHolder[]>();
  for (const raw of listen) {
    const line = raw.slice(0, MAX_LINE);
    const [address = '', ...rest] = line.split(' ');
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    if (!Number.isInteger(port) || port <= 0) continue;
    const tail = rest.join(' ');
    // A process's name is printed as it is and any account chooses it: the last `uid:` is the socket's
    // (ss's extended fields follow the users), and each holder is a `,pid=N,fd=M)`, its name the text
    // back to the `("` before it, for display only. A name holding a fake `,pid=...` adds a holder; it
    // hides none (every holder must be ours).
    const uid = Number([...tail.matchAll(/\buid:(\d+)/g)].at(-1)?.[1] ?? 0);
    const user = names.get(uid) ?? (uid === 0 ? 'root' : null);
    const procs = [...tail.matchAll(/,pid=(\d+),fd=\d+\)/g)].map((m) => {
      const before = tail.slice(0, m.index);
      const open = before.lastIndexOf('("');
      return { command: open >= 0 ? before.slice(open + 2).replace(/"$/, '').slice(0, 64) : '?', pid: Number(m[1]) };
    });
    const holders: PortHolder[] = procs.length > 0
      ? procs.map(({ command, pid }) => ({ pid, command, uid, user, ancestors: parents.get(pid) ?? [] }))
      : [{ pid: null, command: null, uid, user, ancestors: [] }];
    listeners.set(port, [...(listeners.get(port) ?? []), ...holders]);
  }
  return listeners;
}
