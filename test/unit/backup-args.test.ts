/** backup's and restore's argument checks: exit 2 (UsageError) naming the flag, before anything loads. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkArchivePath, checkOut } from '../../src/commands/backup/args.js';
import { UsageError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'hsts-backup-args-'));
writeFileSync(join(dir, 'a.tar'), 'x');

describe('backup and restore arguments', () => {
  it.each([
    ['--out in a missing directory', () => checkOut(join(dir, 'nope', 'a.tar')), /--out.*its directory .*nope does not exist/],
    ['--out naming a directory', () => checkOut(dir), /--out.*is a directory/],
    ['a missing FILE', () => checkArchivePath(join(dir, 'missing.tar')), /FILE.*no such file/],
    ['a directory as FILE', () => checkArchivePath(dir), /FILE.*no such file/],
  ])('refuses %s', (_name, check, message) => {
    expect(check).toThrow(UsageError);
    expect(check).toThrow(message);
  });
  it('accepts a new file in an existing directory, and an existing archive', () => {
    expect(() => checkOut(join(dir, 'new.tar'))).not.toThrow();
    expect(() => checkArchivePath(join(dir, 'a.tar'))).not.toThrow();
  });
});
