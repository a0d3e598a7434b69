import { HSTS } from '../hsts/paths.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { shq } from '../ssh/shell.js';

export const ASCP = `${HSTS.bin}/ascp`;

/**
 * THE transfers probe: one line `PID COMMAND LINE` (as `pgrep -a` prints it) per HSTS transfer.
 * A process counts only when its executable (/proc/PID/exe) is HSTS's ascp: any local account can
 * name a process ascp (`exec -a ascp sleep 60`), and such a name would block every run. IBM's ascp
 * is an ELF binary; an ascp that is a script (the rig's simulation) runs as its interpreter, so for
 * it the interpreter of its `#!` line with the script as first argument (as named, or resolved) counts too. An executable
 * root cannot read (it cannot on a host without CAP_SYS_PTRACE) does not count.
 * `proc` and `ascp` are for the unit tests only.
 */
export function hstsTransfers(options: { proc?: string; ascp?: string } = {}): RemoteCommand {
  const proc = options.proc ?? '/proc';
  const ascp = options.ascp ?? ASCP;
  return {
    label: `transfers (processes named ascp whose executable is ${ascp})`,
    code: [
      `named=${shq(ascp)}; ascp=; interp=`,
      `for dir in ${shq(proc)}/[0-9]*; do`,
      '  { read -r comm < "$dir/comm"; } 2>/dev/null && [ "$comm" = ascp ] || continue',
      '  exe=$(readlink "$dir/exe" 2>/dev/null) || continue',
      '  exe=${exe% (deleted)}',
      // Asked at the first process named ascp (none: no process started for it): HSTS's ascp by its
      // resolved path, as /proc/PID/exe names it (/opt may be a link to a larger disk), and the
      // interpreter of a script ascp, resolved as the kernel records it.
      '  if [ -z "$ascp" ]; then',
      '    ascp=$(readlink -f -- "$named") || ascp=$named',
      '    interp=$(head -c 256 "$ascp" 2>/dev/null | sed -n \'1s/^#![[:space:]]*\\([^[:space:]]*\\).*/\\1/p\')',
      '    [ -z "$interp" ] || interp=$(readlink -f -- "$interp")',
      '  fi',
      '  if [ "$exe" != "$ascp" ]; then',
      '    [ -n "$interp" ] && [ "$exe" = "$interp" ] || continue',
      '    arg=$(tr \'\\0\' \'\\n\' < "$dir/cmdline" 2>/dev/null | sed -n 2p); [ "$arg" = "$ascp" ] || [ "$arg" = "$named" ] || continue',
      '  fi',
      '  printf \'%s %s\\n\' "${dir##*/}" "$(tr \'\\0\\n\' \'  \' < "$dir/cmdline" 2>/dev/null | head -c 300 | sed \'s/ *$//\')"',
      'done',
      'true',
    ].join('\n'),
  };
}

/** The probe's lines (bounded: at most 100 of them are kept). */
export function parseTransfers(output: string): string[] {
  return output.split('\n').filter((l) => /^\d+ /.test(l)).slice(0, 100);
}
