/** Quotes a word for a POSIX shell: 'it'\''s'. */
export function shq(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

const HOME_RELATIVE = /^~([a-z_][a-z0-9_.-]{0,31})\/(.+)$/;

/**
 * A path as a shell word: quoted, except a leading `~USER/`, left for the node's shell to expand to
 * USER's home directory (a file whose place depends on the node's users, like a localkeystore.db).
 * For a user the node does not know, the word stays literal and names no existing file.
 */
export function shPath(path: string): string {
  const home = HOME_RELATIVE.exec(path);
  if (home) return `~${home[1]}/${shq(home[2]!)}`;
  if (path.startsWith('~')) throw new Error(`internal: bad home-relative path ${path}`);
  return shq(path);
}
