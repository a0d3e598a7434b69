import type { RemoteCommand } from '../ssh/remote-script.js';
import { shq } from '../ssh/shell.js';

/** An OS user with a home directory and SHELL as its login shell (a transfer user). */
export function addUser(name: string, shell: string): RemoteCommand {
  return { label: `useradd --create-home --shell ${shell} ${name}`, code: `useradd --create-home --shell ${shq(shell)} ${shq(name)}` };
}

/**
 * Removes an OS user, read as uid UID, and what `addUser` made for it (a rollback of `addUser`).
 * Not `userdel --remove`: shadow-utils before 4.9 (RHEL 8 ships 4.6) walks the home by path, so the
 * account, which owns every directory in it, could swap one for a link to a root directory during
 * the walk. The account goes first (userdel refuses while it runs a process), then its home is
 * removed by coreutils' rm, which walks through opened directories and follows no link; like
 * userdel, only the home useradd gives it (BASE/NAME), a directory (not a link) it owns, and its
 * mail spool file.
 */
export function deleteUser(name: string, uid: number): RemoteCommand {
  if (!Number.isInteger(uid) || uid < 0) throw new Error(`internal: bad uid ${uid}`);
  const n = shq(name);
  return {
    label: `userdel ${name} (uid ${uid}), then its home and mail spool`,
    code: [
      `( IFS=: read -r _ _ u _ _ h _ < <(getent passwd ${n}) || { echo ${shq(`${name} is no longer an account`)}; exit 0; }`,
      `  [ "$u" = ${uid} ] || { echo ${shq(name)}" is uid $u now, not ${uid}: left as it is"; exit 1; }`,
      `  userdel ${n} 2>&1 || exit`,
      `  if [[ $h == /?*/${n} && -d $h && ! -L $h ]] && [ "$(stat -c %u -- "$h")" = ${uid} ]; then rm -rf --one-file-system -- "$h" 2>&1 || exit; fi`,
      `  for m in /var/spool/mail/${n} /var/mail/${n}; do`,
      `    if [[ -f $m && ! -L $m ]] && [ "$(stat -c %u -- "$m")" = ${uid} ]; then rm -f -- "$m" 2>&1 || exit; fi`,
      '  done )',
    ].join('\n'),
  };
}
