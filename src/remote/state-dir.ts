import { HSTS } from '../hsts/paths.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { shq } from '../ssh/shell.js';

/**
 * hsts-cluster's state directory on a node (lock, runs, snapshots, askmscli records, maintenance
 * mark) is used only after a check in the same command: every path component from `/` down to the
 * subdirectories hsts-cluster uses is root-owned, not group/world-writable and not a symlink. What
 * is missing is made with plain `mkdir -m 0700` (which fails on an existing link) and checked again.
 * A directory that fails is refused, naming the path, what was found and the fix; nothing in it is
 * used.
 *
 * Migration from the old place (inside the noded user's /opt/aspera/var): while the new directory
 * does not exist, an old one is moved there once, if it and everything in it pass the same check
 * (root-owned, mode 0700, only regular files and directories, nothing group/world-writable); else
 * the run is refused and the old directory left as it is, unread. The tree is checked again after
 * the move (the noded user may swap the old directory in between): a tree that fails then is kept
 * aside root-only in STATE.refused.XXXXXX, unused. A run lock held there moves with it: the
 * next run is refused naming the holder, as at the old place, and `--break-lock` removes it. Once
 * the new directory exists the old place is never looked at again.
 */

/** A run's id (engine/run.ts newRunId): the only names in the runs directory hsts-cluster reads. Its source is a bash ERE too (no \d). */
export const RUN_ID = /^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{4}$/;

/** The first line of a refusal: lockAnswer and the procedures tell it from a lock held by another run. */
export const STATE_REFUSED = 'hsts-cluster state directory refused:';

export interface StateLayout {
  dir: string;
  /** Where hsts-cluster kept its state before, migrated once. */
  oldDir: string;
}

export const STATE_LAYOUT: StateLayout = { dir: HSTS.stateDir, oldDir: HSTS.oldStateDir };

/** The subdirectories hsts-cluster makes in its state directory. */
const SUBDIRS = ['runs', 'askmscli'];

/**
 * `use`: make what is missing (and migrate the old place); `read`: only check what exists (status,
 * plan: they change nothing), and succeed with nothing there.
 */
export type StateAccess = 'use' | 'read';

function ancestors(dir: string): string[] {
  const parts = dir.split('/').filter(Boolean);
  return ['/', ...parts.slice(0, -1).map((_, i) => `/${parts.slice(0, i + 1).join('/')}`)];
}

/**
 * The bash that checks (and with `use` makes and migrates) the state directory; it ends the
 * command with exit 2 and a STATE_REFUSED line when the directory may not be used.
 */
export function stateDirGuard(access: StateAccess, layout: StateLayout = STATE_LAYOUT): string {
  const dir = shq(layout.dir);
  const old = shq(layout.oldDir);
  const subdirs = SUBDIRS.map((s) => shq(`${layout.dir}/${s}`)).join(' ');
  const fix = `it must be a directory owned by root, not group/world-writable, not a symlink; if hsts-cluster made it: chown root:root PATH && chmod 0700 PATH; else remove it and run again`;
  return [
    // One stat for every path (a fork costs milliseconds under load); a line per path: name|uid|user|mode|type.
    // A path gone since it was seen (the lock, released by a run that lost it at the same moment)
    // needs no check: the paths still there are stat'ed again, at most three times.
    '__hc_bad() { echo "$1"; return 1; }',
    '__hc_stat_check() {',
    '  local n u user a f seen=0',
    '  while IFS="|" read -r n u user a f; do',
    '    [ -n "$n" ] || continue',
    '    seen=$((seen + 1))',
    `    [ "$f" = "symbolic link" ] && { __hc_bad "${STATE_REFUSED} $n is a symbolic link; ${fix.replace(/PATH/g, '$n')}"; return 1; }`,
    `    [ "$f" = directory ] && [ "$u" = 0 ] && (( (8#$a & 8#022) == 0 )) || { __hc_bad "${STATE_REFUSED} $n is a $f owned by $user (uid $u), mode $a; ${fix.replace(/PATH/g, '$n')}"; return 1; }`,
    '  done < <(stat -c "%n|%u|%U|%a|%F" -- "$@" 2>/dev/null)',
    '  [ "$seen" = "$#" ] || return 3',
    '}',
    '__hc_check() {',
    '  local try p there r',
    '  for try in 1 2 3; do',
    '    there=(); for p in "$@"; do { [ -e "$p" ] || [ -L "$p" ]; } && there+=("$p"); done',
    '    [ "${#there[@]}" = 0 ] && return 0',
    '    __hc_stat_check "${there[@]}"; r=$?',
    '    [ "$r" = 3 ] || return "$r"',
    '  done',
    `  __hc_bad "${STATE_REFUSED} stat could not read one of $* though it is there (three tries, each path changing while checked); run again"`,
    '}',
    // The old place: a root-owned 0700 directory; inside, only regular files and root-owned directories,
    // nothing group/world-writable (the copies of the users' keystores keep their owners: a run's copy).
    '__hc_old_refused() {',
    '  local m f',
    '  m=$(stat -c "%u|%U|%a|%F" -- "$1" 2>&1)',
    '  [ "$m" = "0|root|700|directory" ] || { echo "$1 is not a root-owned directory of mode 0700 ($m)"; return; }',
    '  f=$(find "$1" -mindepth 1 \\( -type l -o \\( ! -type f ! -type d \\) -o \\( -type d ! -uid 0 \\) -o -perm /022 \\) -print -quit 2>&1)',
    '  [ -z "$f" ] || echo "$f is a symlink, not a regular file or directory, a directory not owned by root, or group/world-writable ($(stat -c "%U|%a|%F" -- "$f" 2>&1))"',
    '}',
    '__hc_state() {',
    `  local dir=${dir} old=${old} why kept`,
    `  __hc_check ${ancestors(layout.dir).map(shq).join(' ')} || return`,
    '  if [ ! -e "$dir" ] && [ ! -L "$dir" ]; then',
    '    [ "$1" = read ] && return 0',
    '    if [ -e "$old" ] || [ -L "$old" ]; then',
    '      why=$(__hc_old_refused "$old")',
    `      [ -z "$why" ] || { __hc_bad "${STATE_REFUSED} the old state directory $old is not migrated to $dir, and nothing in it is read: $why; if hsts-cluster made it, make it root-owned (chown root:root, chmod 0700) and remove what is named; else remove it and run again"; return; }`,
    `      # A run started at the same time may have moved it first: then its result is checked below.
      mv -T -- "$old" "$dir" 2>/dev/null || [ -d "$dir" ] || { __hc_bad "${STATE_REFUSED} could not move $old to $dir"; return; }`,
    '      why=$(__hc_old_refused "$dir")',
    '      if [ -n "$why" ]; then',
    '        kept=$(mktemp -u "$dir.refused.XXXXXX") && mv -T -- "$dir" "$kept"',
    `        __hc_bad "${STATE_REFUSED} $old changed while it was moved to $dir ($why); kept aside, unused, in $kept"; return`,
    '      fi',
    '    else',
    `      mkdir -m 0700 -- "$dir" 2>/dev/null || [ -d "$dir" ] || { __hc_bad "${STATE_REFUSED} could not make $dir"; return; }`,
    '    fi',
    '  fi',
    '  if [ "$1" = use ]; then',
    `    for d in ${subdirs}; do [ -e "$d" ] || [ -L "$d" ] || mkdir -m 0700 -- "$d" 2>/dev/null || [ -d "$d" ] || { __hc_bad "${STATE_REFUSED} could not make $d"; return; }; done`,
    '  fi',
    `  __hc_check "$dir" ${subdirs} "$dir/lock"`,
    '}',
    `__hc_state ${access} || exit 2`,
  ].join('\n');
}

/** A command that runs only after the state directory passed its check (STATE_REFUSED otherwise, exit 2). */
export function inStateDir(command: RemoteCommand, access: StateAccess = 'use', layout?: StateLayout): RemoteCommand {
  return { ...command, code: `${stateDirGuard(access, layout)}\n${command.code}` };
}

/** A state-directory refusal in a command's output (its first line), or null. */
export function stateRefusal(output: string): string | null {
  const line = output.split('\n').find((l) => l.startsWith(STATE_REFUSED));
  return line ?? null;
}
