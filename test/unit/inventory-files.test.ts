import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exposureWarning } from '../../src/inventory/file-exposure.js';
import { rewriteInventoryFile } from '../../src/inventory/rewrite-file.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'inventory-files-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('inventory/rewrite-file: a random temporary name, created exclusively, renamed over the inventory', () => {
  it('keeps the mode and the byte order mark; leaves no temporary file', () => {
    const path = join(dir, 'inventory.json');
    writeFileSync(path, '\uFEFF{"a": 1}\n');
    chmodSync(path, 0o640);
    expect(rewriteInventoryFile(path, (text) => text.replace('1', '2'))).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('\uFEFF{"a": 2}\n');
    expect(statSync(path).mode & 0o7777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(['inventory.json']);
  });

  it('does not write through a link planted at the old fixed temporary name', () => {
    const path = join(dir, 'inventory.json');
    const victim = join(dir, 'victim');
    writeFileSync(path, '{"a": 1}\n');
    writeFileSync(victim, 'untouched\n');
    symlinkSync(victim, `${path}.hsts-cluster.tmp`);
    rewriteInventoryFile(path, (text) => text.replace('1', '2'));
    expect(readFileSync(victim, 'utf8')).toBe('untouched\n');
    expect(readFileSync(path, 'utf8')).toBe('{"a": 2}\n');
    expect(readlinkSync(`${path}.hsts-cluster.tmp`)).toBe(victim);
  });

  it('an edit that changes nothing writes nothing', () => {
    const path = join(dir, 'inventory.json');
    writeFileSync(path, '{"a": 1}\n');
    const before = statSync(path).mtimeMs;
    expect(rewriteInventoryFile(path, (text) => text)).toBe(false);
    expect(statSync(path).mtimeMs).toBe(before);
  });

  it('a failed rename removes its temporary file', () => {
    const path = join(dir, 'inventory.json');
    writeFileSync(path, '{"a": 1}\n');
    // A file cannot be renamed over a directory: the rename fails once the temporary file exists.
    expect(() => rewriteInventoryFile(path, (text) => {
      rmSync(path);
      mkdirSync(path);
      return text.replace('1', '2');
    })).toThrow(/EISDIR|EEXIST|ENOTEMPTY/);
    expect(readdirSync(dir)).toEqual(['inventory.json']);
    expect(statSync(path).isDirectory()).toBe(true);
  });
});

describe('inventory/file-exposure: a secret file its group or others can read', () => {
  it.each([
    [0o600, 'private key', undefined],
    [0o400, 'private key', undefined],
    [0o700, 'password file', undefined],
    [0o640, 'private key', /^UNPROTECTED PRIVATE KEY FILE \(OpenSSH would refuse it\): .*id has mode 0640, its group or others can read it; chmod 600 /],
    [0o604, 'private key', /mode 0604/],
    [0o644, 'password file', /^UNPROTECTED PASSWORD FILE: .*id has mode 0644/],
  ] as const)('mode %o (%s)', (mode, what, expected) => {
    const path = join(dir, 'id');
    writeFileSync(path, 'x');
    chmodSync(path, mode);
    const warning = exposureWarning(path, what);
    if (expected === undefined) expect(warning).toBeUndefined();
    else expect(warning).toMatch(expected);
  });
});
