import type { RemoteCommand } from '../ssh/remote-script.js';
import { shq } from '../ssh/shell.js';

/** useradd's range for an ordinary account (login.defs UID_MIN and UID_MAX on RHEL 7+ and Debian). */
const USERADD_UIDS = { first: 1000, last: 60000 } as const;

/** Whether UID is one useradd gives an ordinary account: the only accounts a rollback may delete. */
export function isUseraddUid(uid: number | undefined): uid is number {
  return uid !== undefined && Number.isInteger(uid) && uid >= USERADD_UIDS.first && uid <= USERADD_UIDS.last;
}
const KILL_ROUNDS = 5;

/** An OS user with a home directory and SHELL as its login shell (a transfer user). */
export function addUser(name: string, shell: string): RemoteCommand {
  return { label: `useradd --create-home --shell ${shell} ${name}`, code: `useradd --create-home --shell ${shq(shell)} ${shq(name)}` };
}

/**
 * Removes an OS user, read as uid UID, and what `addUser` made for it (a rollback of `addUser`).
 * Not `userdel --remove`: shadow-utils before 4.9 (RHEL 8 ships 4.6) walks the home by path, so the
 * account, which owns every directory in it, could swap one for a link to a root directory during
 * the walk; and userdel's "still running a process" check skips processes in another root directory
 * (a chroot in a user namespace). So: logins are locked and expired, every process of the uid (real, effective, saved or filesystem) is
 * killed until none is left, then `userdel` alone; then its mail spool file (login.defs MAIL_DIR) and
 * its home, removed by coreutils' rm (it walks opened directories and follows no link) from inside
 * the home's parent, entered once, which must be root's alone: only the home useradd gives
 * (BASE/NAME), a directory, not a link, that the uid owns. A home left is said, and fails the
 * command, as `userdel --remove` does.
 */
export function deleteUser(name: string, uid: number): RemoteCommand {
  if (!isUseraddUid(uid)) throw new Error(`internal: uid ${String(uid)} is not one useradd gives`);
  const n = shq(name);
  const said = (text: string) => `${shq(name)}"${text}"`;
  return {
    label: `userdel ${name} (uid ${uid}), then its home and mail spool`,
    code: [
      `( IFS=: read -r _ _ u _ _ h _ < <(getent passwd ${n}) || { echo ${said(' is no longer an account')}; exit 0; }`,
      `  [ "$u" = ${uid} ] || { echo ${said(` is uid $u now, not ${uid}: left as it is`)}; exit 1; }`,
      `  usermod -L -e 1 ${n} 2>&1 || exit`,
      // Its processes: any of the four uids of /proc/PID/status is its (real, effective, saved: a
      // setuid program of its own that another account ran can take its uid back; filesystem). A
      // zombie is no process of the account's any more: its parent has yet to reap it. Prints their pids.
      `  alive() { local s p k a b c d st; for s in /proc/[0-9]*/status; do p=\${s#/proc/}; p=\${p%/status}; st= k=`,
      `    { while read -r k a b c d; do case $k in State:) st=$a ;; Uid:) break ;; esac; done < "$s"; } 2>/dev/null`,
      `    [ "$k" = Uid: ] && [ "$st" != Z ] && case " $a $b $c $d " in *" ${uid} "*) echo "$p" ;; *) false ;; esac; done; }`,
      `  for i in {1..${KILL_ROUNDS}}; do pids=$(alive); [ -n "$pids" ] || break; kill -KILL $pids 2>/dev/null; sleep 0.2; done`,
      `  [ -z "$(alive)" ] || { echo ${said(` still runs processes after ${KILL_ROUNDS} rounds of SIGKILL: left, locked`)}; exit 1; }`,
      `  userdel ${n} 2>&1 || exit`,
      `  md=/var/spool/mail; { while read -r k v _; do [ "$k" != MAIL_DIR ] || md=$v; done < /etc/login.defs; } 2>/dev/null`,
      `  m=$md/${n}; if [[ -f $m && ! -L $m ]] && [ "$(stat -c %u -- "$m")" = ${uid} ]; then rm -f -- "$m" 2>&1 || exit; fi`,
      `  left="home $h left"; [[ $h == /?*/${n} ]] || { echo "$left: not a BASE/"${n}; exit 1; }`,
      `  cd -P -- "\${h%/*}" 2>/dev/null || { [ -e "\${h%/*}" ] || exit 0; echo "$left: its parent cannot be entered"; exit 1; }`,
      `  [[ -e ${n} || -L ${n} ]] || exit 0`,
      `  set -- $(stat -c '%u %a %F' -- . ${n})`,
      `  [ $# = 6 ] && [ "$4" = ${uid} ] && [ "$6" = directory ] || { echo "$left: not a directory of uid ${uid}'s"; exit 1; }`,
      `  [ "$1" = 0 ] && (( (8#$2 & 8#22) == 0 )) || { echo "$left: its parent is not root's alone"; exit 1; }`,
      `  rm -rf --one-file-system -- ${n} 2>&1 )`,
    ].join('\n'),
  };
}
