import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { putBackRedisDataCommand, rdbHere, rdbPath, rdbPlaceCheck, saveRedisDataCommand } from '../../src/runner/redis-data.js';
import { safeCopyCode } from '../../src/remote/safe-files.js';
import { BATCH_PATH, renderBatch } from '../../src/ssh/remote-script.js';

describe('rdbPath', () => {
  it('joins dir and dbfilename as the specification sets them', () => {
    expect(rdbPath('port 31415\ndbfilename redis.31415.rdb\ndir /opt/aspera/var\n')).toBe('/opt/aspera/var/redis.31415.rdb');
  });
  it('uses Redis defaults and systemd\'s working directory when they are not set', () => {
    expect(rdbPath('port 31415\n')).toBe('/dump.rdb');
    expect(rdbPath(null)).toBe('/dump.rdb');
    expect(rdbPath('dir var/redis\n')).toBe('/var/redis/dump.rdb');
    // Redis applies the last of each, as the RDB head probe reads them.
    expect(rdbPath('dir /a\ndbfilename one.rdb\ndir /opt/aspera/var\ndbfilename two.rdb\n')).toBe('/opt/aspera/var/two.rdb');
  });
  it('reads quoted values the way Redis does', () => {
    expect(rdbPath('dir "/srv/redis data"\ndbfilename "x.rdb"\n')).toBe('/srv/redis data/x.rdb');
  });
});

/**
 * rdbPlaceCheck run by bash on a scratch tree, with `nobody` as the noded user: root copies the
 * RDB only where that user writes it anyway. Needs root (to give files to nobody), as the suite has.
 */
describe('rdbPlaceCheck', () => {
  const isRoot = process.getuid?.() === 0;
  const root = mkdtempSync(join(tmpdir(), 'hsts-rdb-'));
  chmodSync(root, 0o755);
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const nobody = () => Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
  const dirOf = (name: string, owner: number) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    chownSync(dir, owner, owner);
    return dir;
  };
  const check = (rdb: string) => spawnSync('bash', ['-c', rdbPlaceCheck(rdb, 'nobody')], { encoding: 'utf8' });

  it.runIf(isRoot)('passes the noded user\'s RDB in the noded user\'s directory, and a directory without the file yet', () => {
    const dir = dirOf('ok', nobody());
    expect(check(join(dir, 'redis.31415.rdb')).status).toBe(0);
    writeFileSync(join(dir, 'redis.31415.rdb'), 'REDIS');
    chownSync(join(dir, 'redis.31415.rdb'), nobody(), nobody());
    expect(check(join(dir, 'redis.31415.rdb')).status).toBe(0);
  });

  it.runIf(isRoot)('refuses a directory that is not the noded user\'s (dir /etc, dbfilename shadow)', () => {
    const r = check('/etc/shadow');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("Redis's dataset /etc/shadow: its directory is not nobody's; refused");
  });

  it.runIf(isRoot)('refuses a root file in the noded user\'s directory', () => {
    const dir = dirOf('rootfile', nobody());
    writeFileSync(join(dir, 'dump.rdb'), 'REDIS');
    const r = check(join(dir, 'dump.rdb'));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("the file is not nobody's; refused");
  });

  it.runIf(isRoot)('refuses a path with shell syntax in it, in a directory the noded user owns, before anything uses it', () => {
    const marker = join(root, 'ran');
    for (const name of [`$(touch ${marker})`, '`touch x`', "a'b", 'a b', 'a\n__remove() {\n:\n}\nb']) {
      const dir = dirOf(`syntax-${Buffer.from(name).toString('hex')}`, nobody());
      const rdb = `${dir}/${name}`;
      const r = check(rdb);
      expect(r.status, name).toBe(1);
      expect(r.stdout, name).toContain('its path holds characters other than letters, digits and');
    }
    expect(existsSync(marker)).toBe(false);
  });

  // The whole command as a node runs it: its shared functions defined once by the batch.
  const runCode = (code: string) => spawnSync('bash', ['-c', renderBatch([{ label: 'c', code }], 'run-all').script], { encoding: 'utf8' });

  it.runIf(isRoot)('leaves the shell in the checked directory: a swap for a link to /etc after the check reads and writes nothing there', () => {
    const dir = dirOf('pinned', nobody());
    const etc = dirOf('etc-like', 0);
    writeFileSync(join(dir, 'dump.rdb'), 'REDIS dataset');
    chownSync(join(dir, 'dump.rdb'), nobody(), nobody());
    writeFileSync(join(etc, 'dump.rdb'), 'root:secret');
    const saved = join(dirOf('run', 0), 'redis.rdb');
    const swap = `mv ${dir} ${dir}.old && ln -s ${etc} ${dir}`;
    const r = runCode([rdbPlaceCheck(join(dir, 'dump.rdb'), 'nobody'), swap,
      safeCopyCode({ from: rdbHere(join(dir, 'dump.rdb')), to: saved, maxBytes: null, sourceOwner: 'nobody' })].join('\n'));
    expect(r.stdout).not.toContain('refused');
    expect(readFileSync(saved, 'utf8')).toBe('REDIS dataset');
  });

  it.runIf(isRoot)('keeps no dataset larger than the free space beside the run directory (a sparse file the noded user made, Redis saving elsewhere)', () => {
    const dir = dirOf('sparse', nobody());
    const rdb = join(dir, 'dump.rdb');
    execFileSync('truncate', ['-s', '10T', rdb]);
    chownSync(rdb, nobody(), nobody());
    const runDir = dirOf('run-sparse', 0);
    const r = runCode(saveRedisDataCommand(runDir, rdb, null, 'nobody').code);
    expect(r.stdout).toMatch(new RegExp(`refused \\./dump\\.rdb: 10995116277760 bytes do not fit in the \\d+ bytes free beside ${runDir}/redis\\.rdb`));
    expect(existsSync(join(runDir, 'redis.rdb'))).toBe(false);
    writeFileSync(rdb, 'REDIS small');
    expect(runCode(saveRedisDataCommand(runDir, rdb, null, 'nobody').code).stdout).not.toContain('refused');
    expect(readFileSync(join(runDir, 'redis.rdb'), 'utf8')).toBe('REDIS small');
  });

  it.runIf(isRoot)('copies no more than the size that fit when the RDB was opened: a file its owner grows meanwhile is cut there', () => {
    const dir = dirOf('growing', nobody());
    const rdb = join(dir, 'dump.rdb');
    writeFileSync(rdb, 'REDIS 12 bytes');
    chownSync(rdb, nobody(), nobody());
    const runDir = dirOf('run-growing', 0);
    // df runs after the open and before the read: its stand-in grows the file by 1 MiB, as the owner could.
    const bin = dirOf('bin-growing', 0);
    writeFileSync(join(bin, 'df'), `#!/bin/bash\ntruncate -s +1M ${rdb}\nexec /usr/bin/df "$@"\n`, { mode: 0o755 });
    const script = renderBatch([{ label: 'c', code: saveRedisDataCommand(runDir, rdb, null, 'nobody').code }], 'run-all').script;
    const r = spawnSync('bash', ['-c', script.replace(`PATH=${BATCH_PATH};`, `PATH=${bin}:${BATCH_PATH};`)], { encoding: 'utf8' });
    expect(r.stdout).not.toContain('refused');
    expect(statSync(rdb).size).toBe(14 + 1024 * 1024);
    expect(readFileSync(join(runDir, 'redis.rdb'), 'utf8')).toBe('REDIS 12 bytes');
  });

  it.runIf(isRoot)('puts back only a saved dataset that is the noded user\'s, never a root-owned one', () => {
    const dir = dirOf('putback', nobody());
    writeFileSync(join(dir, 'dump.rdb'), 'current');
    chownSync(join(dir, 'dump.rdb'), nobody(), nobody());
    const runDir = dirOf('run-rootcopy', 0);
    writeFileSync(join(runDir, 'redis.rdb'), 'root:secret');
    const r = runCode(putBackRedisDataCommand(runDir, join(dir, 'dump.rdb'), 'nobody').code);
    expect(r.stdout).toContain('owned by root, not nobody');
    expect(readFileSync(join(dir, 'dump.rdb'), 'utf8')).toBe('current');
    chownSync(join(runDir, 'redis.rdb'), nobody(), nobody());
    writeFileSync(join(runDir, 'redis.rdb'), 'saved dataset');
    const ok = runCode(putBackRedisDataCommand(runDir, join(dir, 'dump.rdb'), 'nobody').code);
    expect(ok.stdout).not.toContain('refused');
    expect(readFileSync(join(dir, 'dump.rdb'), 'utf8')).toBe('saved dataset');
  });

  it.runIf(isRoot)('passes the noded user\'s directory reached through a link (/opt a link to a larger disk), and refuses a link to root\'s', () => {
    const real = dirOf('disk/aspera/var', nobody());
    symlinkSync(join(root, 'disk'), join(root, 'opt'));
    expect(check(join(root, 'opt', 'aspera', 'var', 'dump.rdb')).status).toBe(0);
    const etc = dirOf('etc-linked', 0);
    symlinkSync(etc, join(real, 'etc'));
    const r = check(join(real, 'etc', 'shadow'));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("its directory is not nobody's; refused");
  });

  it.runIf(isRoot)('refuses a missing directory', () => {
    const r = check(join(root, 'none', 'dump.rdb'));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('its directory is missing; refused');
  });
});
