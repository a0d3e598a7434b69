import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
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
  // A random name, created exclusively: a fixed name beside the inventory could be a link someone
  // else placed there (the write would follow it), or another run's file.
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  writeFileSync(tmp, bom + next, { mode: 0o600, flag: 'wx' });
  try {
    if (process.getuid?.() === 0) chownSync(tmp, uid, gid);
    chmodSync(tmp, mode & 0o7777);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return true;
}
