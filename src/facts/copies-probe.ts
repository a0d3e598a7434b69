import { outputProbe, type Probe } from '../remote/probe.js';
import { shPath, shq } from '../ssh/shell.js';

/**
 * A restore's question about opaque files (askmscli's encrypted stores), which no fact reads: is
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

/** Shell variables f (the file, `~USER/` expanded by the node) and s (its copy). */
export function copyVars(runDir: string, copy: SavedCopy): string {
  return `f=${shPath(copy.path)}; s=${shq(`${runDir}/${copy.saved}`)}`;
}

/** One word a line per file, in order; a copy that is missing (or not answered) is `unsaved`. */
export function copiesProbe(runDir: string, copies: SavedCopy[]): Probe<Map<string, CopyState>> {
  const meta = (v: string) => `"$(stat -c '%U %G %a' "$${v}")"`;
  return outputProbe({
    label: `compare ${copies.map((c) => c.path).join(', ')} with their copies in ${runDir}`,
    code: copies.map((c) => [
      copyVars(runDir, c),
      'if [ -e "$s.absent" ]; then if [ -e "$f" ]; then echo differs; else echo same; fi',
      `elif [ -e "$s" ]; then if [ -e "$f" ] && [ ${meta('f')} = ${meta('s')} ] && cmp -s "$f" "$s"; then echo same; else echo differs; fi`,
      'else echo unsaved; fi',
    ].join('\n')).join('\n'),
  }, (output) => {
    const words = output.split('\n');
    return new Map(copies.map((c, i) => {
      const word = words[i]?.trim();
      return [c.path, word === 'same' || word === 'differs' ? word : 'unsaved'];
    }));
  });
}
