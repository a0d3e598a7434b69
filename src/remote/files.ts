import { shPath, shq } from '../ssh/shell.js';
import { safeWriteCode } from './safe-files.js';
import type { RemoteCommand } from '../ssh/remote-script.js';

export interface FileSpec {
  path: string;
  content: Buffer | string;
  owner: string;
  group: string;
  mode: string;
}

/**
 * Writes a file atomically, never through what is at its path: a new file with a random name
 * beside it, owner and mode set through its fd, then renamed onto the path (remote/safe-files.ts).
 */
export function writeFileCommand(spec: FileSpec): RemoteCommand {
  return {
    label: `write ${spec.path} (${spec.owner}:${spec.group} ${spec.mode})`,
    code: safeWriteCode(spec.path, spec.owner, spec.group, spec.mode),
    inputs: { content: typeof spec.content === 'string' ? Buffer.from(spec.content) : spec.content },
  };
}

/** Removes a file; a systemd drop-in directory it leaves empty goes too (we made it). */
export function removeFileCommand(path: string): RemoteCommand {
  const dir = path.slice(0, path.lastIndexOf('/'));
  const emptyDropInDir = /\.d$/.test(dir) && dir.startsWith('/etc/systemd/') ? ` && rmdir --ignore-fail-on-non-empty ${shq(dir)}` : '';
  return { label: `remove ${path}`, code: `rm -f ${shPath(path)}${emptyDropInDir}` };
}

/**
 * A directory, made if missing (with its parents). With `mode` it is `install -d`, which also sets
 * the mode (and owner) of a directory that exists; without, `mkdir -p`, which leaves one alone.
 */
export function makeDirectory(path: string, options: { mode?: string; owner?: { user: string; group: string } } = {}): RemoteCommand {
  if (!options.mode) return { label: `mkdir -p ${path}`, code: `mkdir -p ${shq(path)}` };
  const ownership = options.owner ? `-o ${shq(options.owner.user)} -g ${shq(options.owner.group)} ` : '';
  return { label: `mkdir -p ${path}`, code: `install -d ${ownership}-m ${options.mode} ${shq(path)}` };
}

/**
 * A directory's owner, group and mode, set only when it is a directory and not a symlink (its parent
 * is root's: nothing can swap it between the check and the chown; `chown -h` never follows a link).
 */
export function setDirectoryOwnership(path: string, spec: { owner: string; group: string; mode: string }): RemoteCommand {
  return {
    label: `chown ${spec.owner}:${spec.group} ${path}, mode ${spec.mode}`,
    code: `d=${shq(path)}; { [ -d "$d" ] && [ ! -L "$d" ]; } || { echo "$d is not a directory (or is a symlink): left alone"; exit 1; }; ` +
      `chown -h ${shq(`${spec.owner}:${spec.group}`)} "$d" && chmod ${shq(spec.mode)} "$d"`,
  };
}
