import { HSTS } from '../hsts/paths.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { shq } from '../ssh/shell.js';

/**
 * IBM's programs hsts-cluster runs as root. Root runs a program only when no other account could
 * have replaced it: the file, and every directory on its way, owned by root and not group- or
 * world-writable (a sticky directory may be). "On its way" is every path the kernel walks: the path
 * as named and, for each link on any of these paths, where it points, one hop at a time (a link
 * another account can re-point is its program). A program that is absent still has its directories
 * judged: another account must not be able to put one there after the check.
 */
export const ROOT_RUN_PROGRAMS: readonly string[] = [HSTS.asconfigurator, HSTS.askmscli, HSTS.asnodeadmin, HSTS.asredis];

/** Links followed for one program before it is refused: a loop, or a chain no honest node has (the kernel too gives up after 40, counted its own way). */
const MAX_LINKS = 40;

/**
 * Bash that prints `untrusted=PATH|UID|MODE|TYPE` for each component that fails, and sets
 * `programs_trusted` to yes or no. One process (stat) whatever the number of programs, plus one
 * readlink for each link on the way (an honest node has none). A program whose links go on past
 * MAX_LINKS (a loop) is untrusted: `untrusted=PROGRAM|||too many links`.
 */
export function untrustedProgramsCode(programs: readonly string[] = ROOT_RUN_PROGRAMS): string {
  return [
    'declare -A _seen=(); _paths=(); programs_trusted=yes',
    `for _p in ${programs.map(shq).join(' ')}; do`,
    // A work list of paths: each component of each path judged, each link's target added to it.
    '  _w=("$_p"); _n=0',
    '  for ((_i=0; _i<${#_w[@]}; _i++)); do _q=${_w[_i]}',
    '    while :; do [ -n "${_seen[$_q]:-}" ] || { _seen[$_q]=1; _paths+=("$_q"); }',
    `      if [ -L "$_q" ]; then ((++_n > ${MAX_LINKS})) && { programs_trusted=no; echo "untrusted=$_p|||too many links"; break 2; }`,
    '        _t=$(readlink -- "$_q"); [[ $_t = /* ]] || _t=${_q%/*}/$_t; _w+=("$_t"); fi',
    '      [ "$_q" = / ] && break; _q=${_q%/*}; _q=${_q:-/}; done',
    '  done',
    'done',
    'if [ ${#_paths[@]} -gt 0 ]; then',
    // The name last: read gives it the rest of the line, so a name holding "|" cannot pose as the other fields.
    "  while IFS='|' read -r _u _m _t _n; do",
    // A sticky directory (/tmp) lets others add names but not replace root's: only its entries count.
    '    if [ "$_u" != 0 ] || { [ "$_t" != "symbolic link" ] && (( 8#$_m & 8#022 )) && ! { [ "$_t" = directory ] && (( 8#$_m & 8#1000 )); }; }; then',
    '      programs_trusted=no; echo "untrusted=$_n|$_u|$_m|$_t"',
    '    fi',
    "  done < <(stat -c '%u|%a|%F|%n' -- \"${_paths[@]}\" 2>/dev/null)",
    'fi',
  ].join('\n');
}

/** One pre-flight problem for the components `untrustedProgramsCode` named; null when there are none. */
export function untrustedProgramsProblem(lines: readonly string[]): string | null {
  if (lines.length === 0) return null;
  const what = lines.slice(0, 10).map((line) => {
    const [path = '', uid = '', mode = '', type = ''] = line.slice(0, 300).split('|');
    if (type === 'unchecked') return `${path} (not checked: the node's answer ended before the check)`;
    const why = uid === '' ? `more than ${MAX_LINKS} links to follow, or a loop` : uid !== '0' ? `owned by uid ${uid}` : `mode ${mode} lets others write it`;
    return `${path} (${type}: ${why})`;
  });
  return `hsts-cluster runs ${ROOT_RUN_PROGRAMS.map((p) => p.slice(p.lastIndexOf('/') + 1)).join(', ')} as root, ` +
    `and another account could replace them: ${what.join('; ')}. Make each of these root's alone ` +
    '(chown root:root PATH; chmod go-w PATH), as IBM\'s installer leaves them';
}

/**
 * The check on its own, for the commands whose facts do not include it (all but the playbooks,
 * whose pre-flight reads it with the rest): run once per node right after connecting, before any
 * IBM program is.
 */
export function trustedProgramsCheck(): RemoteCommand {
  return { label: 'check that only root can replace IBM\'s programs', code: `${untrustedProgramsCode()}\necho "programs_trusted=$programs_trusted"` };
}

/** null when the node's programs are root's alone; else the refusal (untrustedProgramsProblem's, or why it is unknown). */
export function trustedProgramsRefusal(output: string | undefined): string | null {
  const lines = (output ?? '').split('\n');
  if (lines.includes('programs_trusted=yes')) return null;
  const untrusted = lines.filter((l) => l.startsWith('untrusted=')).map((l) => l.slice('untrusted='.length));
  return untrustedProgramsProblem(untrusted) ?? `could not check who may replace IBM's programs: ${(output ?? '').trim().slice(0, 200) || 'no answer'}`;
}

/** What a guarded command prints, exiting 1, when it did not run. */
export const NOT_RUN_UNTRUSTED = "not run: IBM's programs are not root's alone (see pre-flight)";

/**
 * `code`, run only after the check passes on the node, in the same command: for commands that must
 * go in the same round trip as the facts that hold the check (the running Redis and Sentinel asked
 * with asredis beside pre-flight's reads), so that root never runs a program the check would refuse.
 */
export function onlyIfProgramsTrusted(code: string, programs: readonly string[] = ROOT_RUN_PROGRAMS): string {
  return [
    `{\n${untrustedProgramsCode(programs)}\n} >/dev/null 2>&1`,
    `[ "$programs_trusted" = yes ] || { echo ${shq(NOT_RUN_UNTRUSTED)}; exit 1; }`,
    code,
  ].join('\n');
}
