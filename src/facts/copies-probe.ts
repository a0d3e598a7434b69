import { outputProbe, type Probe } from '../remote/probe.js';
import { ENTER_FUNCTION, OPEN_FUNCTION, STORE_MAX_BYTES } from '../remote/safe-files.js';
import { shPath, shq } from '../ssh/shell.js';

/**
 * A rollback's question about opaque files (askmscli's encrypted stores), which no fact reads: is
 * each file as the copy the snapshot batch made of it on the node (runner/saved-copies.ts)?
 * Compared on the node, so the file's bytes never travel.
 */

/** A file copied on the node: `saved` is the copy's name in the run directory. */
export interface SavedCopy {
  path: string;
  saved: string;
}

/** How a file is now against its copy: as saved, changed, or no copy to compare with. */
export type CopyState = 'same' | 'differs' | 'unsaved';

/** Whose a store is: USER for `~USER/...` (a localkeystore.db), root for the root store. */
export function storeOwner(path: string): string {
  return /^~([a-z_][a-z0-9_.-]{0,31})\//.exec(path)?.[1] ?? 'root';
}

/** Shell variables f (the file, `~USER/` expanded by the node) and s (its copy). */
export function copyVars(runDir: string, copy: SavedCopy): string {
  return `f=${shPath(copy.path)}; s=${shq(`${runDir}/${copy.saved}`)}`;
}

/**
 * One line per file, "INDEX WORD": answers are matched by index, so a stray line (a file gone
 * between two tests) cannot shift them; a copy that is missing (or not answered) is `unsaved`.
 * The file is opened as remote/safe-files.ts does (its user owns the directory), by its own name in
 * its directory, entered first (a directory of another account's reached through a link is not
 * entered): a symlink, a FIFO or anything else it refuses differs from the copy, and is never read.
 */
export function copiesProbe(runDir: string, copies: SavedCopy[]): Probe<Map<string, CopyState>> {
  return outputProbe({
    label: `compare ${copies.map((c) => c.path).join(', ')} with their copies in ${runDir}`,
    code: [OPEN_FUNCTION, ENTER_FUNCTION, ...copies.map((c, i) => [
      copyVars(runDir, c),
      `if [ -e "$s.absent" ]; then if [ -e "$f" ] || [ -L "$f" ]; then echo ${i} differs; else echo ${i} same; fi`,
      `elif [ -e "$s" ]; then if ( __enter "\${f%/*}" ${shq(storeOwner(c.path))} >/dev/null && __open "./\${f##*/}" ${STORE_MAX_BYTES} && [ "\${m% * *}" = "$(stat -c '%U %G %a' "$s")" ] && cmp -s - "$s" <&3 ); then echo ${i} same; else echo ${i} differs; fi`,
      `else echo ${i} unsaved; fi`,
    ].join('\n'))].join('\n'),
  }, (output) => {
    const answers = new Map<number, CopyState>();
    for (const line of output.split('\n')) {
      const m = /^(\d+) (same|differs)$/.exec(line.trim());
      if (m) answers.set(Number(m[1]), m[2] as CopyState);
    }
    return new Map(copies.map((c, i) => [c.path, answers.get(i) ?? 'unsaved']));
  });
}
