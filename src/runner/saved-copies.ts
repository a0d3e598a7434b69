import { copyVars, type SavedCopy } from '../facts/copies-probe.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { shPath, shq } from '../ssh/shell.js';

/**
 * Opaque files (askmscli's encrypted stores) are never read into the facts: the snapshot batch of
 * a node that changes copies each one into the run directory on the node itself (`cp -p`: owner,
 * group and mode kept; the directory is root only), or notes its absence (`COPY.absent`). A restore
 * compares the file with that copy on the node (facts/copies-probe.ts) and copies it back, or
 * removes the file.
 */

/** The copy's name in the run directory: numbered (no two paths meet), the file's name for people. */
export function copyName(index: number, path: string): string {
  return `copy.${index}.${path.slice(path.lastIndexOf('/') + 1)}`;
}

/** Copies each file (or notes that it is absent) into the run directory, which must exist. */
export function saveCopiesCommand(runDir: string, copies: SavedCopy[]): RemoteCommand {
  return {
    label: `keep ${copies.map((c) => c.path).join(', ')} (copies in ${runDir})`,
    // Each copy stops the command when it fails: a later one must not run with this one's names.
    code: copies.map((c) => [
      copyVars(runDir, c),
      'rm -f "$s" "$s.absent" || exit 1',
      'if [ -e "$f" ]; then cp -p "$f" "$s" || exit 1; else : > "$s.absent" || exit 1; fi',
    ].join('\n')).join('\n'),
  };
}

/** Puts one file back from its copy (atomically, beside it), or removes it when it did not exist. */
export function restoreCopyCommand(runDir: string, copy: SavedCopy): RemoteCommand {
  const dir = copy.path.slice(0, copy.path.lastIndexOf('/'));
  const tmp = `${dir}/.${copy.path.slice(dir.length + 1)}.hsts-cluster.tmp`;
  return {
    label: `restore ${copy.path} from ${runDir}/${copy.saved}`,
    code: [
      `${copyVars(runDir, copy)}; t=${shPath(tmp)}`,
      // --remove-destination: the temporary name is in a directory its user owns; whatever they put
      // there (a symlink to /etc/shadow) is removed, never written through as root.
      'if [ -e "$s" ]; then cp -p --remove-destination "$s" "$t" && mv -f -T "$t" "$f" || { rm -f "$t"; exit 1; }',
      'elif [ -e "$s.absent" ]; then rm -f "$f"',
      `else echo ${shq(`no copy of ${copy.path} was saved in ${runDir}`)}; exit 1; fi`,
    ].join('\n'),
  };
}
