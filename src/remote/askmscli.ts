import { HSTS, localKeystoreCandidates } from '../hsts/paths.js';
import { OPEN_FUNCTION, WRITE_FUNCTION } from './safe-files.js';
import { shPath, shq } from '../ssh/shell.js';
import { sharedFunction, type RemoteCommand } from '../ssh/remote-script.js';
import type { Secret } from '../util/secret.js';

/** `askmscli -s redis-password`: the password on askmscli's stdin, never in argv. */
export function storeRedisPassword(password: Secret | string): RemoteCommand {
  return {
    label: 'askmscli -s redis-password < (password on stdin)',
    code: `${HSTS.askmscli} -s redis-password < "$IN/pw"`,
    inputs: { pw: password },
  };
}

/**
 * After `askmscli -s`: the root store must be where the snapshot keeps it and a rollback puts it
 * back (IBM's ascli: `$aspera_hsts_folder/etc/rootkeystore.db`; DISA's STIG for Aspera Platform 4.2
 * checks that path). An HSTS that kept it elsewhere would be left, after a rollback, holding the new
 * password there: `up`'s keystores step fails instead (and the run rolls back what it can), saying
 * so. Not in rotate-password, whose undo runs askmscli -s again with the old password: a cluster
 * `up` made has passed this check.
 */
export function rootStoreCheckCommand(): RemoteCommand {
  return { label: `askmscli's root store is ${HSTS.rootKeystore}, where a rollback puts it back`, code: rootStoreCheck(HSTS.rootKeystore) };
}

export function rootStoreCheck(path: string): string {
  return `[ -f ${shq(path)} ] && [ ! -L ${shq(path)} ] || { echo ${shq(`askmscli -s exited 0 but ${path} is not a regular file: this HSTS keeps its root store elsewhere, where a rollback could not put it back; hsts-cluster stops here (docs/platforms.md, "What is still assumed")`)}; exit 1; }`;
}

/**
 * Refuses (prints why, fails) when a place askmscli may write a store at, or the directory it would
 * be in, is a link or no regular file: a quick refusal, naming the path, before anything is staged.
 */
export function keystorePlacesGuard(places: string[]): string {
  return places.map((place) => {
    const dir = place.slice(0, place.lastIndexOf('/'));
    const check = (path: string, kind: 'file' | 'directory') => `if [ -L ${shPath(path)} ] || { [ -e ${shPath(path)} ] && [ ! ${kind === 'file' ? '-f' : '-d'} ${shPath(path)} ]; }; then ` +
      `echo ${shq(`${path} is a link or not a ${kind === 'file' ? 'regular file' : 'directory'}: askmscli not run as root there`)}; exit 1; fi`;
    return [...(/^~[^/]+$/.test(dir) ? [] : [check(dir, 'directory')]), check(place, 'file')].join('\n');
  }).join('\n');
}

/** Where askmscli's private copy of a home is made: root's, emptied at boot, outside every home. */
const STAGE_TEMPLATE = '/run/hsts-cluster-askmscli.XXXXXXXXXX';

/**
 * `__above_root_only PATH`: every directory above PATH root's and writable by no other account (a
 * link there root's), so that no other account can move PATH; else status 1 and d=the first that is not.
 */
const ABOVE_ROOT_ONLY = sharedFunction([
  '__above_root_only() { local o',
  '  d=$1; while d=${d%/*}; [ -n "$d" ]; do',
  `    o=$(stat -c '%u %a %F' -- "$d") || return 1`,
  `    case $o in '0 '*' symbolic link') ;; '0 '*) set -- $o; [ $(( 8#$2 & 8#022 )) = 0 ] || return 1 ;; *) return 1 ;; esac`,
  '  done',
  '}',
].join('\n'));

/** `mkdir` NAME in the working directory with the owner, group and mode of REFERENCE (not followed). */
const mkdirLike = (name: string, reference: string) =>
  `o=$(stat -c '%u %g %a' -- "${reference}") && set -- $o && mkdir -m 700 -- "${name}" && chown -- "$1:$2" "${name}" && chmod -- "$3" "${name}"`;

/** A keystore is a few KB; a bigger file is not one, and the private copy is in RAM (/run). */
const STAGED_MAX_BYTES = 1024 * 1024;

/**
 * `askmscli -i -u USER`, run where USER cannot reach it. askmscli runs as root and opens USER's store
 * by name in a home USER owns; USER could point that name (or `~/.aspera`) at a root file at the
 * moment askmscli runs, which USER can watch for in `ps`. So askmscli runs in a private mount
 * namespace, where a root-only copy of the home (its directory and the stores in it, read as USER)
 * is mounted over the home; then each store it left there is written into the real home by
 * safe-files' `__write` (a link planted meanwhile is replaced or refused, never written through).
 * USER's home must not be movable by USER: every directory above it root's and writable by no other
 * account. Nothing else in the home is seen by askmscli (docs/askmscli.md).
 */
export function initKeystore(user: string): RemoteCommand {
  const u = shq(user);
  const places = localKeystoreCandidates(user);
  const inHome = places.map((p) => p.slice(`~${user}/`.length));
  const dirs = [...new Set(inHome.filter((r) => r.includes('/')).map((r) => r.slice(0, r.lastIndexOf('/'))))];
  const refuse = (why: string) => `{ echo "${why}: askmscli not run as root there"; exit 1; }`;
  const code = [
    keystorePlacesGuard(places),
    OPEN_FUNCTION,
    WRITE_FUNCTION,
    ABOVE_ROOT_ONLY,
    `u=${u}; h=$(getent passwd "$u" | cut -d: -f6); while [ "\${h%/}" != "$h" ]; do h=\${h%/}; done`,
    `case "$h" in /?*) ;; *) ${refuse('user $u has no home directory')} ;; esac`,
    `[ -d "$h" ] && [ ! -L "$h" ] || ${refuse('$h is not a directory')}`,
    `hr=$(cd -P -- "$h" && pwd) || ${refuse('$h cannot be entered')}`,
    `for p in /opt/aspera/ /run/ /var/lib/hsts-cluster/; do case $p in "$h"/*|"$hr"/*) ${refuse('the home of $u, $h, holds $p')} ;; esac; done`,
    `__above_root_only "$h" && __above_root_only "$hr" || ${refuse("$d, above the home of $u, is not root's alone")}`,
    // From here on the home is named by its resolved path, whose every directory was just checked.
    `h=$hr; g=$(id -gn -- "$u") || exit 1`,
    `st=$(mktemp -d ${STAGE_TEMPLATE}) || { echo 'no private directory for askmscli'; exit 1; }`,
    `trap 'rm -rf -- "$st"' EXIT`,
    `(cd -- "$st" && ${mkdirLike('h', '$h')}) || exit 1`,
    ...dirs.map((dir) => `if [ -d "$h/${dir}" ] && [ ! -L "$h/${dir}" ]; then (cd -- "$st/h" && ${mkdirLike(dir, `$h/${dir}`)}) || exit 1; fi`),
    // The stores askmscli may read again (it keeps a user's own secrets), read by USER, never by root:
    // root opening a name USER controls could open a device (a watchdog) or block on a FIFO.
    ...inHome.map((r) => [
      `if [ -e "$h/${r}" ] || [ -L "$h/${r}" ]; then`,
      `  runuser -u "$u" -- timeout 30 head -c ${STAGED_MAX_BYTES + 1} -- "$h/${r}" > "$st/h/${r}" || { echo "$h/${r}: $u cannot read it: askmscli not run"; exit 1; }`,
      `  [ "$(stat -c %s -- "$st/h/${r}")" -le ${STAGED_MAX_BYTES} ] || { echo "$h/${r}: larger than ${STAGED_MAX_BYTES} bytes: askmscli not run"; exit 1; }`,
      `  chown -- "$u:$g" "$st/h/${r}" && chmod 600 -- "$st/h/${r}" || exit 1`,
      'fi',
    ].join('\n')),
    // The mount goes on the directory entered (cd -P), not on a name USER could swap; askmscli then
    // runs from /, not from the real home beneath the mount.
    `unshare --mount --propagation private -- sh -c 'cd -P -- "$2" && mount --bind "$1" . && cd / && exec "$3" -i -u "$4"' ` +
      `askmscli "$st/h" "$h" ${HSTS.askmscli} "$u" || exit 1`,
    // A directory askmscli made: made in the home as root's, entered, and only then given to USER.
    ...dirs.map((dir) => `if [ -d "$st/h/${dir}" ] && [ ! -e "$h/${dir}" ] && [ ! -L "$h/${dir}" ]; then (__enter "$h" "$u" || exit 1; hp=$(readlink /proc/self/cwd); ` +
      `o=$(stat -c %a -- "$st/h/${dir}") && mkdir -m 700 -- ${dir} && cd -P -- ${dir} && [ "$(readlink /proc/self/cwd)" = "$hp/${dir}" ] && [ "$(stat -c %u .)" = 0 ] && [ -z "$(ls -A .)" ] && ` +
      `chown -- "$u:$g" . && chmod -- "$o" .) || { echo "$h/${dir}: could not be made"; exit 1; }; fi`),
    // Each store askmscli left, USER's (whoever askmscli made it as), with the mode askmscli gave it.
    ...inHome.map((r) => [
      `if [ -e "$st/h/${r}" ]; then`,
      `  __open "$st/h/${r}" '' || { echo "askmscli's ${r}: $why"; exit 1; }`,
      '  set -- $m',
      `  __write "$h/${r}" "$u" "$g" "$3" <&3 || { echo "$h/${r}: $why"; exit 1; }`,
      '  exec 3<&-',
      'fi',
    ].join('\n')),
  ].join('\n');
  return { label: `askmscli -i -u ${user}`, code };
}
