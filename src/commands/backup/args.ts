import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../../util/errors.js';

/** --out: a file in an existing directory (never a directory itself). */
export function checkOut(out: string | undefined): void {
  if (!out) throw new UsageError([{ field: '--out', value: String(out), message: 'required: the archive to write' }]);
  const dir = dirname(resolve(out));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError([{ field: '--out', value: out, message: `its directory ${dir} does not exist`, hint: 'create it first' }]);
  }
  if (existsSync(out) && statSync(out).isDirectory()) throw new UsageError([{ field: '--out', value: out, message: 'is a directory; name the archive file' }]);
}

/** FILE: an existing regular file (its contents are checked once read). */
export function checkArchivePath(file: string | undefined): void {
  if (!file || !existsSync(file) || !statSync(file).isFile()) {
    throw new UsageError([{ field: 'FILE', value: String(file), message: 'no such file', hint: 'an archive written by hsts-cluster backup --out' }]);
  }
}
