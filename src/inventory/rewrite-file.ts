import { chownSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { inventoryFormat } from './read-file.js';

/**
 * Rewrites an inventory in place through `edit` (given the text without its byte order mark, and
 * whether it is JSON or YAML), keeping the mark, the owner and the mode (an inventory may hold a
 * literal password: a file made with the default mode could be world-readable); the new text
 * replaces the old by rename. Returns false when `edit` changed nothing (the file is not written).
 */
export function rewriteInventoryFile(path: string, edit: (text: string, format: 'json' | 'yaml') => string): boolean {
  const raw = readFileSync(path, 'utf8');
  const bom = raw.startsWith('\uFEFF') ? '\uFEFF' : '';
  const text = raw.slice(bom.length);
  const next = edit(text, inventoryFormat(path, text));
  if (next === text) return false;
  const { mode, uid, gid } = statSync(path);
  const tmp = `${path}.hsts-cluster.tmp`;
  writeFileSync(tmp, bom + next, { mode: mode & 0o7777 });
  if (process.getuid?.() === 0) chownSync(tmp, uid, gid);
  renameSync(tmp, path);
  return true;
}
