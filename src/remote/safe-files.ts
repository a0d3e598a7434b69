/**
 * Reading, writing and copying a file as root where another account may write the directory: the
 * noded user owns /opt/aspera/etc/redis and /opt/aspera/var, transfer users own their homes. Such an
 * account can put a symlink, a FIFO, a hard link or another file at any name there, and swap it
 * between two commands. So root
 * - reads only a regular file with one link, opened once (fd 3) and checked on the opened file:
 *   the path's lstat before the open must be the fd's fstat after it (device, inode, type), and
 *   owner, group, mode, links and size are the fd's; the bytes come from that fd, bounded;
 * - writes a new file with a random name opened exclusively (fd 4), sets owner and mode through
 *   that fd, renames it onto the target (a rename replaces a symlink, never writes through it) and
 *   checks that the target is then the fd's inode; the temporary name goes on failure;
 * - copies by reading through the first and writing through the second.
 * The bash below is the only place that does this; every file builder uses it.
 */
import { sharedFunction } from '../ssh/remote-script.js';
import { shPath, shq } from '../ssh/shell.js';
import { ownBytes } from '../util/packed.js';

/** A config file or unit: anything larger is not one. */
export const CONFIG_MAX_BYTES = 1024 * 1024;
/** askmscli's stores are small; a link to /dev/zero or a huge file must not fill the run directory. */
export const STORE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * `__open PATH MAX`: fd 3 on PATH and m="OWNER GROUP MODE LINKS SIZE" (of the opened file), or
 * status 1 and why="REASON". MAX empty: no size bound (a dataset).
 *
 * bash opens without O_NOFOLLOW, so a name another account can swap between the lstat and the open
 * would have root open what that account links there: a FIFO (the batch blocks), a device whose open
 * acts (a watchdog starts). So the open never happens through such a name. PATH's directory is
 * pinned first (fd 6, opened as `DIR/.`: a FIFO or device there is no directory and is not opened);
 * - a directory root owns and no one else may write (no group or other write bit; an ACL's mask
 *   shows in the group bits) has names only root changes: PATH is opened through the pinned
 *   directory after its lstat;
 * - in any other directory the name is first made a hard link (`ln -P`: a symlink is linked as the
 *   symlink, nothing is opened) in a private directory root makes beside it (`mktemp -d`, pinned as fd 7
 *   and checked on the opened directory: root's, 0700 or 2700, its parent the pinned one, so that a
 *   name swapped for a link to /root or any root-only directory is not used). That link no other
 *   account can change: it is checked (a symlink, a FIFO or a device is refused unopened) and
 *   opened, then removed at once; the private directory goes when __open ends.
 * - a directory on a read-only mount (found from fd 6's mnt_id), where no private directory can be
 *   made and no name changes, is read by name as a root-only one is.
 * Hard links: a file with another name may be a root-only file's (/etc/shadow linked there). In a
 * directory only root writes, one link is required. In another's, where the kernel lets an account
 * link only files it owns or may read and write (fs.protected_hardlinks=1, every systemd
 * distribution's default), another name gives root nothing that account cannot read, and the count
 * is not checked (the private link, and a concurrent read's, are names too). Where it is 0, a count
 * proves nothing (the account can unlink its own name after root's link is made): the file must be
 * the directory owner's or readable by everyone.
 * Owner and group are reported by name, or by number when the name holds a space.
 * The comparison of the lstat with the fstat stays: a regular file replaced by a rename between the
 * two, or just after the open (the opened file then has no link left), is tried again (Sentinel and
 * Redis save their config that way, at any moment), OPEN_ATTEMPTS times in all; anything else
 * found open is refused at once, never opened again.
 */
const OPEN_ATTEMPTS = 5;

/**
 * The end of __open's pinning: the private link if it is still there (only one this call made: a
 * directory that was not ours may hold an `f` of its own) and the private directory by its name in
 * the pinned one (a name swapped meanwhile for a link or another's directory: the link goes, a
 * directory only when empty, both in the directory owner's own directory), in one rm; fds 6 and 7
 * close.
 */
const OPEN_END_FUNCTION = sharedFunction([
  '__open_end() {',
  `  [ -z "$t" ] || if [ -n "$v" ]; then rm -f -d -- /dev/fd/7/f "/dev/fd/6/\${t##*/}"; else rm -f -d -- "/dev/fd/6/\${t##*/}"; fi 2>/dev/null`,
  '  exec 6<&- 7<&-; t= v=',
  '}',
].join('\n'));

/**
 * `__open_sweep DEV:INO UID` (the pinned directory's, fd 6, and its owner's): private directories
 * a killed batch left there removed, with the link they hold. Each is pinned (fd 8) and checked on
 * the opened directory as __open checks its own (root's, 0700 or 2700, its parent the pinned one),
 * and must be untouched for an hour (a read in progress, even one its file's owner holds up with a
 * lease, is seconds old). Its `f`, removed through the fd (by no name another account can swap),
 * must be the directory owner's file: a root directory that account renamed into such a name loses
 * nothing but a name of that account's own file. The directory goes by its name, only when empty.
 * The directories are named with the time they were made (`.hsts-cluster.EPOCH.XXXXXXXXXX`), so
 * that those of concurrent reads cost no process. Nothing there: no process is started.
 */
const OPEN_SWEEP_FUNCTION = sharedFunction([
  '__open_sweep() { local q o now re',
  `  [ "$2" != 0 ] || return 0; printf -v now '%(%s)T' -1`,
  `  re="^0 2?700 directory [0-9]+:[0-9]+ ([0-9]+)"$'\\n'"[0-9]+ [0-7]+ directory $1 [0-9]+($|"$'\\n'"$2 )"`,
  '  for q in /dev/fd/6/.hsts-cluster.*; do',
  // A concurrent read's directory (the batch reads in parallel) is passed over by the time in its
  // name, without a process; a name is only a hint: the hour is judged on the directory's own mtime.
  `    [[ \${q##*/.hsts-cluster.} =~ ^([1-9][0-9]{0,11})\\.[^.]{10}$ ]] && (( now - 10#\${BASH_REMATCH[1]} <= 3600 )) && continue`,
  `    [ "\${q##*/}" != "\${t##*/}" ] && [ -d "$q" ] && [ ! -L "$q" ] && [ -O "$q" ] && { exec 8<"$q/."; } 2>/dev/null || continue`,
  `    o=$(stat -c '%u %a %F %d:%i %Y' /dev/fd/8/. /dev/fd/8/.. /dev/fd/8/f 2>/dev/null)`,
  `    [[ $o =~ $re ]] && (( now - BASH_REMATCH[1] > 3600 )) && rm -f -- /dev/fd/8/f && rm -f -d -- "$q" 2>/dev/null`,
  '    exec 8<&-',
  '  done',
  '  return 0',
  '}',
].join('\n'));

/** `__open_kind TYPE` (stat's %F of the name): fails, ending __open's pinning and saying why, unless a regular file. */
const OPEN_KIND_FUNCTION = sharedFunction([
  '__open_kind() {',
  `  case $1 in 'regular file'|'regular empty file') return 0 ;; 'symbolic link') why='a symlink' ;; *) why="not a regular file ($1)" ;; esac`,
  '  __open_end; return 1',
  '}',
].join('\n'));

export const OPEN_FUNCTION = [OPEN_END_FUNCTION, OPEN_SWEEP_FUNCTION, OPEN_KIND_FUNCTION, sharedFunction([
  '__open() { local l o i=0 d n p t= v= k=1 h=1 du re ft fn un gn a b c e f g mi=',
  `  d=\${1%/*}; n=\${1##*/}; [ "$d" != "$1" ] || d=.; d=\${d:-/}`,
  // Each `exec N<` in braces: an exec without a command keeps its redirections, a 2>/dev/null too.
  `  { exec 6<"$d/."; } 2>/dev/null || { why='its directory cannot be opened'; return 1; }`,
  // The directory and the name, lstat'ed at once: "UID MODE DEV:INO:TYPE" each (no names: an
  // account or group name may hold a space).
  `  o=$(stat -c '%u %a %d:%i:%F' -- /dev/fd/6/. "/dev/fd/6/$n" 2>/dev/null); set -- "$1" "$2" $o`,
  `  [ $# -ge 5 ] && [ "$5" != "\${5%:directory}" ] || { __open_end; why='its directory cannot be read'; return 1; }`,
  `  [[ $o == *$'\n'* ]] || { __open_end; why='cannot be read'; return 1; }`,
  `  du=$3; l=\${o#*$'\n'}; l=\${l#* * }`,
  `  if [ "$3" = 0 ] && (( (8#$4 & 8#22) == 0 )); then p=/dev/fd/6/$n`,
  '  else',
  `    __open_kind "\${l#*:*:}" || return 1`,
  `    { read -r h </proc/sys/fs/protected_hardlinks; } 2>/dev/null || h=0`,
  `    printf -v t '%(%s)T' -1; if t=$(mktemp -d "/dev/fd/6/.hsts-cluster.$t.XXXXXXXXXX" 2>/dev/null); then :`,
  // No directory can be made there: where the pinned directory's own mount (its mnt_id, not a path
  // looked up again) is read-only, no name changes either.
  `    elif while read -r a b; do [ "$a" != mnt_id: ] || mi=$b; done </proc/self/fdinfo/6; [ -n "$mi" ] &&`,
  `      while read -r a b c d e f g; do [ "$a" = "$mi" ] && { [[ ,$f, == *,ro,* ]] || [[ ,\${g##* }, == *,ro,* ]]; } && break; done </proc/self/mountinfo && [ "$a" = "$mi" ]; then p=/dev/fd/6/$n`,
  `    else __open_end; why='no private directory could be made beside it (and its file system is not read-only)'; return 1; fi`,
  '  fi',
  `  if [ -n "$t" ]; then`,
  // Ours: root's, 0700 (2700 under a setgid directory), and in the pinned directory.
  `    re="^0 2?700 directory [0-9]+:[0-9]+"$'\n'"[0-9]+ [0-7]+ directory \${5%:directory}$"`,
  `    { exec 7<"$t/."; } 2>/dev/null && o=$(stat -c '%u %a %F %d:%i' /dev/fd/7/. /dev/fd/7/..) && [[ $o =~ $re ]] ||`,
  `      { __open_end; why='its private directory was replaced'; return 1; }`,
  `    p=/dev/fd/7/f k=2; __open_sweep "\${5%:directory}" "$du"`,
  '  fi',
  '  while :; do',
  `    if [ "$k" = 2 ]; then`,
  // The link is in a directory no other account can write: tested by builtins, it stays what they saw.
  `      ln -P -- "/dev/fd/6/$n" "$p" 2>/dev/null && v=1 || { __open_end; why='cannot be linked aside (immutable or append-only, a mount point, or on a file system without hard links)'; return 1; }`,
  `      [ ! -L "$p" ] || { __open_end; why='a symlink'; return 1; }`,
  `      [ -f "$p" ] || { why="not a regular file ($(stat -c %F -- "$p"))"; __open_end; return 1; }`,
  '    else',
  `      [ "$i" = 0 ] || l=$(stat -c '%d:%i:%F' -- "$p" 2>/dev/null) || { __open_end; why='cannot be read'; return 1; }`,
  `      __open_kind "\${l#*:*:}" || return 1`,
  '    fi',
  `    exec 3<"$p" || { __open_end; why='cannot be opened'; return 1; }`,
  // Open: the private link has done its work (a batch killed from here on leaves it no more).
  `    [ "$k" = 1 ] || { rm -f -- "$p"; v=; }`,
  `    o=$(stat -L -c $'%d:%i:%F\n%a %h %s %u %g\n%U\n%G' /dev/fd/3) || { exec 3<&-; __open_end; why='cannot be read once opened'; return 1; }`,
  `    IFS=$'\n' read -r -d '' ft fn un gn <<< "$o"`,
  `    case \${ft##*:} in 'regular file'|'regular empty file') ;; *) exec 3<&-; __open_end; why="replaced by a \${ft##*:} while it was opened"; return 1 ;; esac`,
  `    set -- "$1" "$2" $fn`,
  // A name replaced by a rename between the lstat and the open, or just after it (no link left), is read again.
  `    [ "$k" = 2 ] || { [ "$ft" = "$l" ] && [ "$4" != 0 ]; } && break`,
  `    exec 3<&-; i=$((i + 1)); [ "$i" -lt ${OPEN_ATTEMPTS} ] || { __open_end; why="replaced while it was opened, ${OPEN_ATTEMPTS} times"; return 1; }`,
  '  done',
  '  __open_end',
  `  [ "$k" = 2 ] || [ "$4" -le 1 ] || { exec 3<&-; why="a file with $4 hard links"; return 1; }`,
  `  [ "$k$h" != 20 ] || { [ "$du" != 0 ] && [ "$6" = "$du" ]; } || (( 8#$3 & 8#4 )) || { exec 3<&-; why="another account's file (uid $6) in a directory of uid $du's, on a kernel that lets any account link any file (fs.protected_hardlinks=0)"; return 1; }`,
  // Names with a space (an SSSD group "domain users") would split the answer's fields: their numbers instead.
  `  [[ $un != *[[:space:]]* ]] || un=$6; [[ $gn != *[[:space:]]* ]] || gn=$7`,
  `  m="$un $gn $3 1 $5"`,
  `  [ -z "$2" ] || [ "$5" -le "$2" ] || { exec 3<&-; why="too large ($5 bytes, at most $2)"; return 1; }`,
  '}',
].join('\n'))].join('\n');

/**
 * `__enter DIR OWNER` (in a subshell): the working directory becomes DIR, resolved once (`cd -P`),
 * so that a name swapped meanwhile changes nothing; then the directory entered must be OWNER's or
 * root's. A root-owned one reached through a link (the kernel's working directory,
 * /proc/self/cwd, is not DIR: bash's `pwd -P` resolves again the path text `cd` saved, so a name
 * swapped back after the cd would hide where the shell is) is entered only for a
 * root-owned file, or when every link on the way sits in a directory root alone may write (`/opt`
 * or `/home` a link to a larger disk): DIR is then entered again one name at a time from `/`, each
 * link followed only from such a directory, and from any other directory each name entered must
 * have that directory as its parent (a name swapped for a link meanwhile leads elsewhere). Otherwise
 * a link another account made (`~u/.aspera -> /etc/bash_completion.d`, Redis's `dir` swapped for
 * `/etc`) would have root write or remove names in a directory that account cannot write. Prints
 * why and fails.
 */
export const ENTER_FUNCTION = sharedFunction([
  '__enter() { local d o r c at up pa w t i=0 n=0; local -a cs',
  `  d=\${1:-/}; cd -P -- "$d" 2>/dev/null || { echo "cannot enter $d"; return 1; }`,
  `  o=$(stat -c %U .) || { echo "cannot read the owner of $d"; return 1; }`,
  `  [ "$o" = "$2" ] || [ "$o" = root ] || { echo "$d is $o's, not $2's or root's"; return 1; }`,
  `  [ "$o" != root ] || [ "$2" = root ] && return 0`,
  `  r=$(readlink /proc/self/cwd); [ "$r" != "$d" ] || return 0`,
  `  [[ $d == /* ]] || { echo "$d leads through a link to $r, which is root's"; return 1; }`,
  // at: "DEV:INO UID MODE" of the directory the walk is in, then of its parent.
  `  cd / && at=$(stat -c '%d:%i %u %a' . ..) || return 1; IFS=/ read -ra cs <<< "\${d#/}"`,
  '  while [ "$i" -lt "${#cs[@]}" ]; do',
  `    c=\${cs[i]}; i=$((i + 1)); [ -n "$c" ] && [ "$c" != . ] || continue`,
  `    read -r up o w <<< "\${at%%$'\n'*}"; pa=\${at#*$'\n'}; pa=\${pa%% *}; [ "$o" = 0 ] && (( (8#$w & 8#22) == 0 )) && w= || w=1`,
  // A link is followed one name of its target at a time, each judged as the path's own.
  `    if [ -L "$c" ]; then [ -z "$w" ] || { echo "$d leads through a link to $r, which is root's"; return 1; }`,
  `      n=$((n + 1)); [ "$n" -le 40 ] && t=$(readlink -- "$c") || { echo "cannot enter $d"; return 1; }`,
  `      IFS=/ read -ra t <<< "$t"; cs=("\${t[@]}" "\${cs[@]:i}"); i=0`,
  `      [ -n "\${t[0]}" ] || { cd / && at=$(stat -c '%d:%i %u %a' . ..); } || return 1; continue; fi`,
  // "./NAME": never a CDPATH entry, nor $OLDPWD for "-".
  `    cd -P -- "./$c" 2>/dev/null && at=$(stat -c '%d:%i %u %a' . ..) || { echo "cannot enter $d"; return 1; }`,
  // From a directory others may write, the name entered must be what that directory holds (its
  // child, or for "..", its parent): a name swapped for a link meanwhile leads elsewhere.
  `    [ -z "$w" ] || if [ "$c" = .. ]; then [ "\${at%% *}" = "$pa" ]; else [[ \${at#*$'\n'} == "$up "* ]]; fi ||`,
  `      { echo "$d was swapped while it was entered"; return 1; }`,
  '  done',
  `  [ "$(readlink /proc/self/cwd)" = "$r" ] || { echo "$d was swapped while it was entered"; return 1; }`,
  '}',
].join('\n'));

/**
 * `__write PATH OWNER GROUP MODE < CONTENT`: PATH replaced by a new file (fd 4) holding stdin,
 * or status 1 and why="REASON". It works inside PATH's directory, entered once (__enter), with
 * names relative to it. noclobber opens a name that does not exist with O_EXCL; one that appeared
 * meanwhile is refused by the fstat (it must be the empty regular file just made). The new file
 * gets OWNER, GROUP and MODE while it is still empty, before any byte is written: in a directory
 * another account owns, that account can rename the temporary file, and one left root's with
 * content (a write cut short by a full disk, a killed batch) would be a root-owned file of its
 * choosing there (the shipped Sentinel unit is installed only from a root-owned file). The
 * temporary name is removed on every way out the shell sees.
 */
export const WRITE_FUNCTION = [ENTER_FUNCTION, sharedFunction([
  '__write() { local out',
  '  out=$(',
  `    n=\${1##*/}; d=\${1%/*}; __enter "$d" "$2" || exit 1`,
  `    t=$(mktemp -u ".$n.hsts-cluster.XXXXXXXXXX") || { echo 'no temporary name'; exit 1; }`,
  `    { set -C; exec 4>"$t"; } 2>/dev/null || { echo "cannot create $t"; exit 1; }`,
  '    set +C',
  `    trap 'rm -f -- "$t"' EXIT`,
  `    [ "$(stat -L -c '%F %h %U' /dev/fd/4)" = 'regular empty file 1 root' ] || { t=; echo "the new file was replaced"; exit 1; }`,
  '    if chown "$2:$3" /dev/fd/4 && chmod "$4" /dev/fd/4 && cat >&4 && mv -f -T -- "$t" "$n" &&',
  `      [ "$(stat -c %d:%i -- "$n")" = "$(stat -L -c %d:%i /dev/fd/4)" ]; then t=; exit 0; fi`,
  `    echo 'could not be written in place (replaced meanwhile?)'; exit 1`,
  '  ) && return 0',
  '  why=$out; return 1',
  '}',
].join('\n'))].join('\n');

/**
 * `__remove PATH OWNER`: PATH removed from inside its directory, entered as __write does (the
 * directory OWNER's, or root's and reached through no link another account may change); nothing to do when PATH is not there; a
 * refusal prints why and fails.
 */
export const REMOVE_FUNCTION = [
  ENTER_FUNCTION,
  sharedFunction('__remove() {\n  [ -e "$1" ] || [ -L "$1" ] || return 0; ( __enter "${1%/*}" "$2" || exit 1; rm -f -- "${1##*/}" )\n}'),
].join('\n');

const MODE = /^[0-7]{3,4}$/;

function checkedMode(mode: string): string {
  if (!MODE.test(mode)) throw new Error(`internal: bad file mode ${JSON.stringify(mode)}`);
  return mode;
}

// An empty word, not none: the batch runs with set -u, and __open reads $2.
const bound = (maxBytes: number | null) => (maxBytes === null ? "''" : String(maxBytes));
const readOpened = (maxBytes: number | null) => (maxBytes === null ? 'cat <&3' : `head -c ${maxBytes} <&3`);

/**
 * Prints `ABSENT`, `REFUSED REASON`, or the opened file's "OWNER GROUP MODE LINKS SIZE" and then its
 * bytes as base64 on one line (parseSafeRead).
 */
export function safeReadCode(path: string, maxBytes = CONFIG_MAX_BYTES): string {
  return [
    OPEN_FUNCTION,
    `f=${shPath(path)}`,
    'if [ -e "$f" ] || [ -L "$f" ]; then',
    `  __open "$f" ${bound(maxBytes)} || { echo "REFUSED $why"; exit 0; }`,
    `  echo "$m"; ${readOpened(maxBytes)} | base64 -w0; echo`,
    'else echo ABSENT; fi',
  ].join('\n');
}

export type SafeRead =
  | { state: 'absent' }
  | { state: 'refused'; reason: string }
  | { state: 'read'; owner: string; group: string; mode: string; links: number; content: Buffer };

/**
 * What follows a base64 line in `text` (a message on stderr, which shares the output), or null when
 * the text is base64 and nothing else. Node's decoder would skip anything else into the bytes.
 */
export function afterBase64(text: string): string | null {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(text) ? null : text.replace(/^[A-Za-z0-9+/=]*\s*/, '');
}

/** The answer of safeReadCode; anything else (no answer, a cut one) is refused, never a file. */
export function parseSafeRead(output: string | undefined): SafeRead {
  const text = output ?? '';
  const newline = text.indexOf('\n');
  const first = (newline < 0 ? text : text.slice(0, newline)).trim();
  if (first === 'ABSENT') return { state: 'absent' };
  if (first.startsWith('REFUSED ')) return { state: 'refused', reason: first.slice('REFUSED '.length) };
  const meta = /^(\S+) (\S+) ([0-7]{3,4})(?: (\d+))?(?: (\d+))?$/.exec(first);
  // An empty file's base64 line is empty, and the output's trailing newlines may be cut: the size says so.
  const empty = meta?.[5] === '0';
  if (!meta || (newline < 0 && !empty)) return { state: 'refused', reason: text.trim() ? `unexpected answer: ${first.slice(0, 120)}` : 'no answer' };
  const encoded = newline < 0 ? '' : text.slice(newline + 1).trim();
  // One base64 line and nothing else: a program's message after it (stderr shares the output) would
  // otherwise be decoded into the file's bytes, as Node's decoder skips what is not base64.
  const extra = afterBase64(encoded);
  if (extra !== null) return { state: 'refused', reason: `unexpected answer after the file's first line: ${extra.slice(0, 120)}` };
  return {
    state: 'read', owner: meta[1]!, group: meta[2]!, mode: meta[3]!,
    links: meta[4] === undefined ? 1 : Number(meta[4]), content: ownBytes(Buffer.from(encoded, 'base64')),
  };
}

/** Writes `"$IN/content"` to PATH with this owner, group and mode (see WRITE); fails naming the path. */
export function safeWriteCode(path: string, owner: string, group: string, mode: string): string {
  return [
    WRITE_FUNCTION,
    `f=${shPath(path)}`,
    `__write "$f" ${shq(owner)} ${shq(group)} ${shq(checkedMode(mode))} < "$IN/content" || { echo "$f: $why"; exit 1; }`,
  ].join('\n');
}

export interface SafeCopy {
  /** The file copied (may be `~USER/...`); refused unless it is a regular file with one link. */
  from: string;
  /** Where the copy goes (replaced, never written through); it gets the source's owner, group and mode. */
  to: string;
  /** null: no bound (a dataset). */
  maxBytes: number | null;
  /** When the source is absent: this shell code runs instead (e.g. note the absence); default fails. */
  whenAbsent?: string;
  /** The owner the opened source must have, else the copy is refused (a dataset is the noded user's). */
  sourceOwner?: string;
  /**
   * The source's directory is entered first (__enter: OWNER's or root's, a root-owned one not
   * reached through a link) and the file opened by its own name there: a store in a directory its
   * user could make a link (`~USER/.aspera` -> another user's) is never read through it.
   */
  sourceDirOwner?: string;
  /** The copy must fit in the destination's free space (a sparse 10 TB file must not fill /var/lib). */
  fitsDestination?: boolean;
}

/**
 * Copies a file through the two fds, keeping owner, group and mode; a refusal fails naming the source
 * and why. Its shell variables are src and dst (the caller's f and s stay as they were).
 */
export function safeCopyCode(copy: SafeCopy): string {
  const absent = copy.whenAbsent ?? `echo "$src is missing"; exit 1`;
  const open = copy.sourceDirOwner === undefined
    ? `  __open "$src" ${bound(copy.maxBytes)} || { echo "refused $src: $why"; exit 1; }`
    : `  __enter "\${src%/*}" ${shq(copy.sourceDirOwner)} || exit 1; __open "./\${src##*/}" ${bound(copy.maxBytes)} || { echo "refused $src: $why"; exit 1; }`;
  const lines = [
    'if [ -e "$src" ] || [ -L "$src" ]; then',
    open,
    '  set -- $m',
    ...(copy.sourceOwner === undefined ? [] : [`  [ "$1" = ${shq(copy.sourceOwner)} ] || { exec 3<&-; echo "refused $src: owned by $1, not "${shq(copy.sourceOwner)}; exit 1; }`]),
    ...(copy.fitsDestination ? [
      `  room=$(df -B1 --output=avail -- "\${dst%/*}" | tail -n 1); room=\${room// /}; [[ $room =~ ^[0-9]+$ ]] && [ "$5" -lt "$room" ] || { exec 3<&-; echo "refused $src: $5 bytes do not fit in the \${room:-?} bytes free beside $dst"; exit 1; }`,
    ] : []),
    // What fit when it was opened is what is copied: a file its owner grows through a descriptor of
    // its own while root reads it is cut at the size checked.
    `  ${copy.fitsDestination ? 'head -c "$5" <&3' : readOpened(copy.maxBytes)} | __write "$dst" "$1" "$2" "$3" || { echo "$dst: could not be written (replaced meanwhile?)"; exit 1; }`,
    `else ${absent}; fi`,
  ];
  return [
    OPEN_FUNCTION,
    WRITE_FUNCTION,
    // pipefail: a read that fails half way fails the copy, not only a write that does.
    `set -o pipefail; src=${shPath(copy.from)}; dst=${shPath(copy.to)}`,
    // Entering the source's directory happens in a subshell: the caller's working directory stays.
    ...(copy.sourceDirOwner === undefined ? lines : ['(', ...lines, ') || exit 1']),
  ].join('\n');
}
