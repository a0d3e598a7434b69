import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hstsTransfers, parseTransfers } from '../../src/remote/transfers.js';

/*
 * The probe runs in bash here against a /proc of its own: per process a `comm`, an `exe` symlink (or
 * none: root cannot read it) and a NUL-separated `cmdline`, as the kernel shows them.
 */
let root: string;
let proc: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'transfers-'));
  proc = join(root, 'proc');
  mkdirSync(proc);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function processEntry(pid: number, comm: string, exe: string | null, argv: string[]): void {
  const dir = join(proc, String(pid));
  mkdirSync(dir);
  writeFileSync(join(dir, 'comm'), `${comm}\n`);
  writeFileSync(join(dir, 'cmdline'), `${argv.join('\0')}\0`);
  if (exe !== null) symlinkSync(exe, join(dir, 'exe'));
}

function transfers(ascpFile: string): string[] {
  const ascp = join(root, 'opt/aspera/bin/ascp');
  mkdirSync(join(root, 'opt/aspera/bin'), { recursive: true });
  writeFileSync(ascp, ascpFile);
  const { code } = hstsTransfers({ proc, ascp });
  return parseTransfers(execFileSync('bash', ['-c', code], { encoding: 'utf8', timeout: 10_000 }));
}

const ELF = '\u007fELF\u0002\u0001\u0001';

describe('remote/transfers: a transfer is HSTS\'s ascp by executable, not by name', () => {
  it.each([
    ['HSTS\'s ascp (an ELF binary, as IBM ships it)', ELF, 'ascp', 'ASCP', ['ascp', '-l', '100m', 'file'], true],
    ['HSTS\'s ascp, replaced by an upgrade while it runs', ELF, 'ascp', 'ASCP (deleted)', ['ascp', 'file'], true],
    ['a program of another account named ascp (a copy of sleep)', ELF, 'ascp', '/usr/bin/sleep', ['ascp', '60'], false],
    ['a process named ascp whose executable root cannot read', ELF, 'ascp', null, ['ascp'], false],
    ['HSTS\'s ascp under another name', ELF, 'ascp-other', 'ASCP', ['ascp-other'], false],
    ['a script ascp: its interpreter running it', '#!/bin/sh\n', 'ascp', 'SH', ['/bin/sh', 'ASCP', '--simulate-seconds', '5'], true],
    ['a script ascp\'s interpreter running another script', '#!/bin/sh\n', 'ascp', 'SH', ['/bin/sh', '/tmp/x', 'ASCP'], false],
    ['an ELF ascp: an interpreter running it is nothing', ELF, 'ascp', 'SH', ['/bin/sh', 'ASCP'], false],
  ])('%s', (_what, ascpFile, comm, exe, argv, counted) => {
    const ascp = join(root, 'opt/aspera/bin/ascp');
    const sh = execFileSync('readlink', ['-f', '/bin/sh'], { encoding: 'utf8' }).trim();
    const resolve = (s: string) => s.replace('ASCP', ascp).replace('SH', sh);
    processEntry(4242, comm, exe === null ? null : resolve(exe), argv.map(resolve));
    processEntry(17, 'bash', '/usr/bin/bash', ['bash']);
    const found = transfers(ascpFile);
    expect(found).toEqual(counted ? [`4242 ${argv.map(resolve).join(' ')}`] : []);
  });

  it.each([
    ['an ELF ascp', ELF, 'ASCP', ['ascp', 'file']],
    ['a script ascp named through the link', '#!/bin/sh\n', 'SH', ['/bin/sh', 'LINKED', '--simulate-seconds', '5']],
    ['a script ascp named by its resolved path', '#!/bin/sh\n', 'SH', ['/bin/sh', 'ASCP']],
  ])('finds HSTS\'s ascp where /opt is a link to a larger disk (the kernel names the resolved file): %s', (_what, ascpFile, exe, argv) => {
    const ascp = join(root, 'opt/aspera/bin/ascp');
    mkdirSync(join(root, 'opt/aspera/bin'), { recursive: true });
    writeFileSync(ascp, ascpFile);
    symlinkSync(join(root, 'opt'), join(root, 'opt-link'));
    const linked = join(root, 'opt-link/aspera/bin/ascp');
    const sh = execFileSync('readlink', ['-f', '/bin/sh'], { encoding: 'utf8' }).trim();
    const resolve = (s: string) => s.replace('LINKED', linked).replace('ASCP', ascp).replace('SH', sh);
    processEntry(4242, 'ascp', resolve(exe), argv.map(resolve));
    const { code } = hstsTransfers({ proc, ascp: linked });
    expect(parseTransfers(execFileSync('bash', ['-c', code], { encoding: 'utf8', timeout: 10_000 }))).toEqual([`4242 ${argv.map(resolve).join(' ')}`]);
  });

  it('bounds what it keeps: 300 characters of a command line, 100 lines', () => {
    const ascp = join(root, 'opt/aspera/bin/ascp');
    processEntry(5, 'ascp', ascp, ['ascp', 'x'.repeat(1000)]);
    const [line] = transfers(ELF);
    expect(line!.length).toBeLessThanOrEqual('5 '.length + 300);
    expect(parseTransfers(Array.from({ length: 150 }, (_, i) => `${i} ascp`).join('\n'))).toHaveLength(100);
  });
});
