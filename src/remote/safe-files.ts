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

/** A config file or unit: anything larger is not one. */
export const CONFIG_MAX_BYTES = 1024 * 1024;
/** askmscli's stores are small; a link to /dev/zero or a huge file must not fill the run directory. */
export const STORE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * `__open PATH MAX`: fd 3 on PATH and m="OWNER GROUP MODE LINKS SIZE" (of the opened file), or
 * status 1 and why="REASON". MAX empty: no size bound (a dataset). The open itself follows a
 * symlink swapped in after the lstat; the comparison with the fstat refuses what it opened then.
 * A regular file replaced by a rename between the two, or just after the open (the opened file
 * then has no link left), is tried again (Sentinel and Redis save their config that way, at any
 * moment), OPEN_ATTEMPTS times in all: a replacement that keeps racing is refused; anything else
 * found open (a device a link led to) is refused at once, never opened again.
 * A FIFO swapped in at that moment blocks the open until the batch's timeout ends it.
 */
const OPEN_ATTEMPTS = 5;

export const OPEN_FUNCTION = sharedFunction([
  '__open() { local l o i=0',
  '  while :; do',
  `    l=$(stat -c '%d:%i:%F' -- "$1" 2>/dev/null) || { why='cannot be read'; return 1; }`,
  `    case \${l#*:*:} in 'regular file'|'regular empty file') ;; 'symbolic link') why='a symlink'; return 1 ;;`,
  `      *) why="not a regular file (\${l#*:*:})"; return 1 ;; esac`,
  `    exec 3<"$1" || { why='cannot be opened'; return 1; }`,
  `    o=$(stat -L -c '%U %G %a %h %s %d:%i:%F' /dev/fd/3) || { exec 3<&-; why='cannot be read once opened'; return 1; }`,
  `    case \${o##*:} in 'regular file'|'regular empty file') ;; *) exec 3<&-; why="replaced by a \${o##*:} while it was opened"; return 1 ;; esac`,
  `    [ "\${o% "$l"}" != "$o" ] && set -- "$1" "$2" \${o% "$l"} && [ "$6" != 0 ] && break`,
  `    exec 3<&-; i=$((i + 1)); [ "$i" -lt ${OPEN_ATTEMPTS} ] || { why="replaced while it was opened, ${OPEN_ATTEMPTS} times"; return 1; }`,
  '  done',
  `  m=\${o% "$l"}; set -- $m "$2"`,
  `  [ "$4" = 1 ] || { exec 3<&-; why="a file with $4 hard links"; return 1; }`,
  `  [ -z "$6" ] || [ "$5" -le "$6" ] || { exec 3<&-; why="too large ($5 bytes, at most $6)"; return 1; }`,
  '}',
].join('\n'));

/**
 * `__enter DIR OWNER` (in a subshell): the working directory becomes DIR, resolved once (`cd -P`),
 * so that a name swapped meanwhile changes nothing; then the directory entered must be OWNER's or
 * root's, and a root-owned one reached through a link (`pwd -P` is not DIR) only for a root-owned
 * file. Otherwise a link another account made (`~u/.aspera -> /etc/bash_completion.d`, Redis's
 * `dir` swapped for `/etc`) would have root write or remove names in a directory that account
 * cannot write. Prints why and fails.
 */
export const ENTER_FUNCTION = sharedFunction([
  '__enter() { local d o',
  `  d=\${1:-/}; cd -P -- "$d" 2>/dev/null || { echo "cannot enter $d"; return 1; }`,
  `  o=$(stat -c %U .) || { echo "cannot read the owner of $d"; return 1; }`,
  `  [ "$o" = "$2" ] || [ "$o" = root ] || { echo "$d is $o's, not $2's or root's"; return 1; }`,
  `  [ "$o" != root ] || [ "$2" = root ] || [ "$(pwd -P)" = "$d" ] || { echo "$d leads through a link to $(pwd -P), which is root's"; return 1; }`,
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
 * directory OWNER's, or root's and reached without a link); nothing to do when PATH is not there; a
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
  return {
    state: 'read', owner: meta[1]!, group: meta[2]!, mode: meta[3]!,
    links: meta[4] === undefined ? 1 : Number(meta[4]), content: newline < 0 ? Buffer.alloc(0) : Buffer.from(text.slice(newline + 1).trim(), 'base64'),
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
