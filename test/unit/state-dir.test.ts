import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STATE_REFUSED, stateDirGuard, type StateAccess, type StateLayout } from '../../src/remote/state-dir.js';

/*
 * The state directory's check and migration, run by bash on this machine's own filesystem in a
 * sandbox (root's home: root-owned, 0700, like the node's /var/lib): a table of what a node may
 * hold, and what the guard does with it. Needs root (chown); CI runs as root.
 */

const STRANGER = 4242;
let base: string;
let layout: StateLayout;

function guard(access: StateAccess, path = process.env.PATH): { code: number; output: string } {
  const r = spawnSync('bash', ['-c', `${stateDirGuard(access, layout)}\necho GUARD-PASSED`], { encoding: 'utf8', timeout: 10_000, env: { ...process.env, PATH: path } });
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

function dir(path: string, mode = 0o700, uid = 0): void {
  mkdirSync(path, { recursive: true });
  chmodSync(path, mode);
  chownSync(path, uid, 0);
}

function file(path: string, content: string, mode = 0o600, uid = 0): void {
  writeFileSync(path, content);
  chmodSync(path, mode);
  chownSync(path, uid, 0);
}

const RUN = '20261201T101010Z-ab12';

/** The old layout as the previous version left it: a finished run, records, a copy kept with its owner. */
function honestOldDir(): void {
  const old = layout.oldDir;
  dir(old);
  dir(join(old, 'runs'));
  dir(join(old, 'runs', RUN));
  file(join(old, 'runs', RUN, 'snapshot.json'), '{"version":1}\n');
  file(join(old, 'runs', RUN, 'state'), 'done\n', 0o644);
  file(join(old, 'runs', RUN, 'copy.0.localkeystore.db'), 'opaque', 0o600, STRANGER);
  dir(join(old, 'askmscli'));
  file(join(old, 'askmscli', 'redis-password.json'), '{}\n');
}

const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8);

beforeEach(() => {
  base = mkdtempSync(join(homedir(), '.hsts-state-test-'));
  chmodSync(base, 0o755);
  dir(join(base, 'var', 'lib'), 0o755);
  dir(join(base, 'opt', 'var'), 0o755, STRANGER);
  layout = { dir: join(base, 'var', 'lib', 'hsts-cluster'), oldDir: join(base, 'opt', 'var', 'hsts-cluster') };
});

afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

describe.skipIf(process.getuid?.() !== 0)('state directory guard (runs as root on this machine)', () => {
  it('nothing there: makes the directory and its subdirectories root-only', () => {
    expect(guard('use')).toMatchObject({ code: 0, output: 'GUARD-PASSED\n' });
    for (const d of ['', 'runs', 'askmscli']) {
      expect(mode(join(layout.dir, d))).toBe('700');
      expect(statSync(join(layout.dir, d)).uid).toBe(0);
    }
  });

  it('an honest old directory is moved once, whole (a finished run, records, a copy with its owner)', () => {
    honestOldDir();
    expect(guard('use').code).toBe(0);
    expect(existsSync(layout.oldDir)).toBe(false);
    expect(readFileSync(join(layout.dir, 'runs', RUN, 'state'), 'utf8')).toBe('done\n');
    expect(statSync(join(layout.dir, 'runs', RUN, 'copy.0.localkeystore.db')).uid).toBe(STRANGER);
    expect(existsSync(join(layout.dir, 'askmscli', 'redis-password.json'))).toBe(true);
  });

  it('a lock held in the old directory moves with it (not dropped)', () => {
    honestOldDir();
    dir(join(layout.oldDir, 'lock'));
    file(join(layout.oldDir, 'lock', 'holder.json'), '{"run":"x"}', 0o644);
    expect(guard('use').code).toBe(0);
    expect(readFileSync(join(layout.dir, 'lock', 'holder.json'), 'utf8')).toBe('{"run":"x"}');
  });

  const refusedOld: { name: string; plant: () => void; says: RegExp }[] = [
    { name: 'owned by the noded user', plant: () => { honestOldDir(); chownSync(layout.oldDir, STRANGER, 0); }, says: /not a root-owned directory of mode 0700 \(4242\|/ },
    {
      name: 'a symlink to a root-only directory',
      plant: () => { dir(join(base, 'secret')); file(join(base, 'secret', 'x'), 'secret'); symlinkSync(join(base, 'secret'), layout.oldDir); },
      says: /symbolic link/,
    },
    { name: 'mode 0755', plant: () => { honestOldDir(); chmodSync(layout.oldDir, 0o755); }, says: /mode 0700 \(0\|root\|755\|directory\)/ },
    { name: 'a symlink inside', plant: () => { honestOldDir(); symlinkSync('/etc/shadow', join(layout.oldDir, 'runs', RUN, 'state.json')); }, says: /state\.json is a symlink/ },
    { name: 'a FIFO inside', plant: () => { honestOldDir(); spawnSync('mkfifo', [join(layout.oldDir, 'runs', RUN, 'redis.rdb')]); }, says: /redis\.rdb is a symlink, not a regular file/ },
    { name: 'a directory inside owned by another user', plant: () => { honestOldDir(); chownSync(join(layout.oldDir, 'runs', RUN), STRANGER, 0); }, says: new RegExp(`${RUN} is a symlink`) },
    { name: 'a group-writable file inside', plant: () => { honestOldDir(); chmodSync(join(layout.oldDir, 'runs', RUN, 'state'), 0o664); }, says: /state is a symlink, not a regular file or directory, a directory not owned by root, or group\/world-writable/ },
  ];
  for (const c of refusedOld) {
    it(`an old directory that is ${c.name} is refused, left as it is, and nothing is made`, () => {
      c.plant();
      const before = lstatSync(layout.oldDir);
      const r = guard('use');
      expect(r.code).toBe(2);
      expect(r.output).toContain(`${STATE_REFUSED} the old state directory ${layout.oldDir} is not migrated`);
      expect(r.output).toMatch(c.says);
      expect(r.output).not.toContain('GUARD-PASSED');
      expect(existsSync(layout.dir)).toBe(false);
      expect(lstatSync(layout.oldDir).ino).toBe(before.ino);
    });
  }

  it('once the new directory exists the old place is never looked at', () => {
    dir(layout.dir);
    dir(layout.oldDir, 0o777, STRANGER);
    expect(guard('use').code).toBe(0);
    expect(lstatSync(layout.oldDir).uid).toBe(STRANGER);
  });

  const refusedNew: { name: string; plant: () => void; path: () => string; says: RegExp }[] = [
    { name: 'the state directory is a symlink', plant: () => { dir(join(base, 'elsewhere')); symlinkSync(join(base, 'elsewhere'), layout.dir); }, path: () => layout.dir, says: /is a symbolic link/ },
    { name: 'the state directory is owned by another user', plant: () => dir(layout.dir, 0o700, STRANGER), path: () => layout.dir, says: /is a directory owned by UNKNOWN \(uid 4242\), mode 700/ },
    { name: 'the state directory is group-writable', plant: () => dir(layout.dir, 0o770), path: () => layout.dir, says: /owned by root \(uid 0\), mode 770/ },
    { name: 'runs is a symlink', plant: () => { dir(layout.dir); symlinkSync('/etc', join(layout.dir, 'runs')); }, path: () => join(layout.dir, 'runs'), says: /is a symbolic link/ },
    { name: 'the lock is a symlink', plant: () => { dir(layout.dir); symlinkSync('/etc', join(layout.dir, 'lock')); }, path: () => join(layout.dir, 'lock'), says: /is a symbolic link/ },
    { name: 'askmscli is a file', plant: () => { dir(layout.dir); file(join(layout.dir, 'askmscli'), 'x'); }, path: () => join(layout.dir, 'askmscli'), says: /is a regular file owned by root/ },
    { name: 'a parent is world-writable', plant: () => chmodSync(join(base, 'var', 'lib'), 0o777), path: () => join(base, 'var', 'lib'), says: /mode 777/ },
  ];
  for (const c of refusedNew) {
    for (const access of ['use', 'read'] as const) {
      it(`${c.name}: refused (${access}), naming the path, what it is and the fix`, () => {
        c.plant();
        const r = guard(access);
        expect(r.code).toBe(2);
        expect(r.output).toContain(`${STATE_REFUSED} ${c.path()} `);
        expect(r.output).toMatch(c.says);
        expect(r.output).toMatch(/chown root:root .* && chmod 0700 /);
        expect(r.output).not.toContain('GUARD-PASSED');
      });
    }
  }

  it('read: nothing is made and nothing migrated', () => {
    honestOldDir();
    expect(guard('read')).toMatchObject({ code: 0, output: 'GUARD-PASSED\n' });
    expect(existsSync(layout.dir)).toBe(false);
    expect(existsSync(join(layout.oldDir, 'runs', RUN))).toBe(true);
  });

  /**
   * Another run releases its lock (or takes it) between the guard's look and its stat: a `stat` on
   * PATH does that to the lock the moment it is asked about it, the given number of times.
   */
  function racingStat(action: string, times: number): string {
    const bin = join(base, 'bin');
    mkdirSync(bin);
    const count = join(base, 'stat.count');
    writeFileSync(count, '');
    writeFileSync(join(bin, 'stat'), `#!/bin/bash
case " $* " in *" ${join(layout.dir, 'lock')} "*)
  if [ "$(wc -c < ${count})" -lt ${times} ]; then echo -n x >> ${count}; ${action}; fi;;
esac
exec /usr/bin/stat "$@"
`, { mode: 0o755 });
    return `${bin}:${process.env.PATH}`;
  }

  it('a lock released by another run while it is checked needs no check: the rest is checked and passes', () => {
    dir(join(layout.dir, 'runs'));
    dir(join(layout.dir, 'askmscli'));
    dir(join(layout.dir, 'lock'));
    const r = guard('use', racingStat(`rm -rf ${join(layout.dir, 'lock')}`, 1));
    expect(r).toMatchObject({ code: 0, output: 'GUARD-PASSED\n' });
  });

  it('a lock released and taken again by a link while it is checked: the link is checked and refused', () => {
    dir(join(layout.dir, 'lock'));
    const r = guard('use', racingStat(`rm -rf ${join(layout.dir, 'lock')}; ln -s /etc ${join(layout.dir, 'lock')}`, 1));
    expect(r.code).toBe(2);
    expect(r.output).toContain(`${STATE_REFUSED} ${join(layout.dir, 'lock')} is a symbolic link`);
  });

  it('a stat that keeps failing on a path that is there is refused after three tries, naming the paths', () => {
    dir(join(layout.dir, 'lock'));
    const r = guard('use', racingStat('exit 1', 10));
    expect(r.code).toBe(2);
    expect(r.output).toContain(`${STATE_REFUSED} stat could not read one of ${layout.dir} `);
    expect(readFileSync(join(base, 'stat.count'), 'utf8')).toBe('xxx');
  });
});
