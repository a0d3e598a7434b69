import { copyVars, storeOwner, type SavedCopy } from '../facts/copies-probe.js';
import { definedOnce, type RemoteCommand } from '../ssh/remote-script.js';
import { shq } from '../ssh/shell.js';
import { REMOVE_FUNCTION, safeCopyCode, STORE_MAX_BYTES } from '../remote/safe-files.js';

/**
 * Opaque files (askmscli's encrypted stores) are never read into the facts: the snapshot batch of
 * a node that changes copies each one into the run directory on the node itself (owner, group and
 * mode kept; the directory is root only), or notes its absence (`COPY.absent`). A rollback
 * compares the file with that copy on the node (facts/copies-probe.ts) and copies it back, or
 * removes the file. The stores live in directories their users own: each copy goes through
 * remote/safe-files.ts (a symlink, a FIFO or a store over STORE_MAX_BYTES is refused, by name).
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
    code: definedOnce(copies.map((c) => [
      copyVars(runDir, c),
      'rm -f "$s" "$s.absent" || exit 1',
      safeCopyCode({ from: c.path, to: `${runDir}/${c.saved}`, maxBytes: STORE_MAX_BYTES, whenAbsent: ': > "$s.absent" || exit 1', sourceDirOwner: storeOwner(c.path) }),
    ].join('\n')).join('\n')),
  };
}

/**
 * Puts one file back from its copy (a new file renamed onto it: nothing at its path is written
 * through), or removes it when it did not exist.
 */
export function putBackCopyCommand(runDir: string, copy: SavedCopy): RemoteCommand {
  return {
    label: `restore ${copy.path} from ${runDir}/${copy.saved}`,
    code: [
      copyVars(runDir, copy),
      REMOVE_FUNCTION,
      safeCopyCode({
        from: `${runDir}/${copy.saved}`, to: copy.path, maxBytes: STORE_MAX_BYTES,
        // A user's store goes back only as that user's file: a root-owned file renamed into the
        // store's place before the snapshot would otherwise be written back as root's, in whatever
        // directory ~USER/.aspera leads to by then (the write's directory check trusts root's files).
        sourceOwner: storeOwner(copy.path),
        // A store that was not there is removed from inside its user's directory, never through a link.
        whenAbsent: `if [ -e "$s.absent" ]; then __remove "$f" ${shq(storeOwner(copy.path))} || { echo "$f: not removed"; exit 1; }; else echo ${shq(`no copy of ${copy.path} was saved in ${runDir}`)}; exit 1; fi`,
      }),
    ].join('\n'),
  };
}
