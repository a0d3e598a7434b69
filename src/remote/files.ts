import { shPath, shq } from '../ssh/shell.js';
import type { RemoteCommand } from '../ssh/remote-script.js';

export interface FileSpec {
  path: string;
  content: Buffer | string;
  owner: string;
  group: string;
  mode: string;
}

/** Writes a file atomically: a temp file beside it with owner and mode set, then rename. */
export function writeFileCommand(spec: FileSpec): RemoteCommand {
  const dir = spec.path.slice(0, spec.path.lastIndexOf('/')) || '/';
  const tmp = `${dir}/.${spec.path.slice(dir.length + 1)}.hsts-cluster.tmp`;
  return {
    label: `write ${spec.path} (${spec.owner}:${spec.group} ${spec.mode})`,
    // -T: a directory in the way is an error, never a place to write into or to rename.
    code: `install -T -o ${shq(spec.owner)} -g ${shq(spec.group)} -m ${shq(spec.mode)} "$IN/content" ${shPath(tmp)} && ` +
      `mv -f -T ${shPath(tmp)} ${shPath(spec.path)} || { rm -f ${shPath(tmp)} 2>/dev/null; exit 1; }`,
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
