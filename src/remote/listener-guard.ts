import { shq } from '../ssh/shell.js';
import { IPV4_ERE } from '../util/ipv4.js';

/** Who may hold a Redis or Sentinel port: the unit that serves it, and the noded user (who can read the password anyway). */
export interface ListenerOwner {
  unit: string;
  user: string;
}

const FN = '__hsts_owned';

/**
 * bash: `__hsts_owned IP PORT USER UNIT` succeeds when every local listener on PORT that may receive
 * what is sent to IP (as `listensOn` in hsts/port-holders.ts decides: when IP is an IPv4 address
 * other than 0.0.0.0, all but those on another IPv4 address, it mapped into IPv6, or an IPv6 address
 * neither any nor mapped; else all of them: IP may come from a file the noded user writes, a
 * running Redis's `bind`) is owned by USER's uid, or is held by UNIT's MainPID or one of its
 * descendants; else it prints who holds the port and fails. A listener on another address
 * (Docker's resolver on 127.0.0.11) cannot receive the password and is not judged. No such
 * listener passes (the port is another host's, or nothing listens: the connection fails by itself;
 * a socket bound in the moment between this check and the connection is not seen).
 * `ss -Htlne` prints no process names: any account names its processes, and ss prints a name as it
 * is, a newline or ` uid:999` included, which could make another account's socket read as the
 * noded user's. Its uid and inode come first on the line, before anything another account chooses
 * (a cgroup path it made can only add a line, and every line must pass). The fast path (the noded
 * user's socket) costs two processes (`ss`, `id`); for a socket of another uid, its holder is the
 * process with that inode open (one `find` over /proc) and systemctl and /proc say whether it is the
 * unit's. ss prints no `uid:` for root's sockets. The holder's name, its account's choice, is shown
 * with anything but letters, digits and `._:+@-` as `?` (no escape sequence reaches a terminal).
 */
const DEFINITION = `${FN}() { local w u p c m q n a r f k v i h t x; w=$(id -u "$3" 2>/dev/null) || w=; ` +
  `x='${IPV4_ERE}'; t=; [[ $1 =~ $x ]] && [ "$1" != 0.0.0.0 ] && t=$1; ` +
  'while read -r _ _ _ a _ r; do ' +
  'case $a in *:"$2") ;; *) continue;; esac; ' +
  'if [ -n "$t" ]; then h=${a%:*}; [[ $h == \\[* ]] && { h=${h#\\[}; h=${h%%]*}; }; h=${h%%\\%*}; h=${h,,}; ' +
  'if [[ $h == *:* ]]; then [[ $h == *ffff* ]] || { [[ $h =~ ^[0:.]*$ ]] || continue; }; h=${h##*:}; fi; ' +
  '[[ $h =~ $x ]] && [ "$h" != "$t" ] && [ "$h" != 0.0.0.0 ] && continue; fi; ' +
  'u=0; [[ $r =~ ^(uid:([0-9]+) )? ]] && u=${BASH_REMATCH[2]:-0}; [ -n "$w" ] && [ "$u" = "$w" ] && continue; ' +
  'p=; c=?; i=; [[ $r =~ ^(uid:[0-9]+ )?ino:([0-9]+) ]] && i=${BASH_REMATCH[2]}; ' +
  'if [ -n "$i" ] && [ "$i" != 0 ]; then f=$(find /proc/[0-9]*/fd -lname "socket:\\[$i\\]" -print -quit 2>/dev/null); p=${f#/proc/}; p=${p%%/*}; ' +
  '[[ $p =~ ^[0-9]+$ ]] || p=; [ -n "$p" ] && read -r c 2>/dev/null < "/proc/$p/comm"; c=${c//[^A-Za-z0-9._:+@-]/?}; fi; ' +
  'if [ -n "$p" ]; then m=$(systemctl show -p MainPID --value "$4" 2>/dev/null); q=$p; n=0; ' +
  'while [ "${q:-0}" -gt 1 ] && [ $n -lt 32 ]; do [ "$q" = "$m" ] && continue 2; f=/proc/$q/status; q=; ' +
  'while read -r k v; do [ "$k" = PPid: ] && { q=$v; break; }; done 2>/dev/null < "$f"; n=$((n+1)); done; fi; ' +
  'echo "port $2 is held by pid ${p:-?} ($c) as user $(id -nu "$u" 2>/dev/null || echo "uid $u"), not by $4: password not sent"; return 1; ' +
  'done < <(ss -Htlne "sport = :$2" 2>/dev/null); }';

/**
 * bash that succeeds only when the listener on ip:port belongs to `owner` (see DEFINITION), to be
 * joined with `&&` before a command that sends the password there.
 */
export function listenerOwnedCode(target: { ip: string; port: number }, owner: ListenerOwner): string {
  return `${DEFINITION}; ${ownedCall(target, owner)}`;
}

/** One call of the guard's function: `__hsts_owned IP PORT USER UNIT`. */
function ownedCall(target: { ip: string; port: number }, owner: ListenerOwner): string {
  return `${FN} ${shq(target.ip)} ${target.port} ${shq(owner.user)} ${shq(owner.unit)}`;
}

/**
 * bash that succeeds only when every one of `targets` passes (see DEFINITION): for a program that
 * sends the password to more than one port of this node (asnodeadmin: Sentinel, then Redis).
 */
export function listenersOwnedCode(targets: readonly { ip: string; port: number; owner: ListenerOwner }[]): string {
  return `{ ${DEFINITION}; ${targets.map((t) => ownedCall(t, t.owner)).join(' && ') || 'true'}; }`;
}
