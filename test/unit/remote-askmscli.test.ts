import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initKeystore, keystorePlacesGuard, rootStoreCheck, storeRedisPassword } from '../../src/remote/askmscli.js';
import { Secret } from '../../src/util/secret.js';

describe('remote/askmscli', () => {
  it('stores the Redis password from stdin: never in the label or the code', () => {
    const password = new Secret('s3cret-redis-pw');
    const command = storeRedisPassword(password);
    expect(command).toEqual({
      label: 'askmscli -s redis-password < (password on stdin)',
      code: '/opt/aspera/bin/askmscli -s redis-password < "$IN/pw"',
      inputs: { pw: password },
    });
    expect(`${command.label}${command.code}`).not.toContain('s3cret');
  });

  it.each([
    ['a regular file', (p: string) => writeFileSync(p, 'x'), 0],
    ['absent (askmscli kept it elsewhere)', () => undefined, 1],
    ['a symlink', (p: string) => symlinkSync('/dev/null', p), 1],
    ['a directory', (p: string) => mkdirSync(p), 1],
  ])('after askmscli -s, the root store where a rollback puts it back: %s -> exit %i', (_name, make, exit) => {
    const scratch = mkdtempSync(join(tmpdir(), 'hsts-root-store-'));
    try {
      const path = join(scratch, 'rootkeystore.db');
      make(path);
      const done = spawnSync('bash', ['-c', rootStoreCheck(path)], { encoding: 'utf8' });
      expect(done.status).toBe(exit);
      if (exit === 1) expect(done.stdout).toContain(`${path} is not a regular file: this HSTS keeps its root store elsewhere`);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it.each([
    ['xfer', 'askmscli -i -u xfer'],
    ['asperadaemon', 'askmscli -i -u asperadaemon'],
  ])('makes the keystore of %s, after checking the places askmscli writes it, in a private mount namespace', (user, label) => {
    const command = initKeystore(user);
    expect(command.label).toBe(label);
    expect(command.code).toContain(`u='${user}'; h=$(getent passwd "$u" | cut -d: -f6)`);
    // Its shared functions are defined before every command of the batch: one syntax error fails them all.
    expect(spawnSync('bash', ['-n', '-c', command.code], { encoding: 'utf8' }).stderr).toBe('');
    expect(command.code).toContain(`unshare --mount --propagation private -- sh -c 'cd -P -- "$2" && mount --bind "$1" . && cd / && exec "$3" -i -u "$4"' askmscli "$st/h" "$h" /opt/aspera/bin/askmscli "$u"`);
    expect(command.code).toContain(`[ -L ~${user}/'localkeystore.db' ]`);
    expect(command.code).toContain(`[ -L ~${user}/'.aspera/localkeystore.db' ]`);
  });
});

/** The guard run by bash on a scratch home: askmscli (root) must not open a store through a link its user planted. */
describe('the places askmscli writes a store, checked right before it runs', () => {
  const home = mkdtempSync(join(tmpdir(), 'hsts-askms-home-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  let n = 0;
  const places = () => {
    const h = join(home, String(n++));
    mkdirSync(h);
    return { h, places: [join(h, 'localkeystore.db'), join(h, '.aspera', 'localkeystore.db')] };
  };
  const guard = (paths: string[]) => spawnSync('bash', ['-c', `${keystorePlacesGuard(paths)}\necho RUN`], { encoding: 'utf8' });

  it('lets askmscli run where the stores are absent, or regular files in a real .aspera directory', () => {
    const a = places();
    expect(guard(a.places).stdout).toBe('RUN\n');
    mkdirSync(join(a.h, '.aspera'));
    writeFileSync(a.places[1]!, 'store');
    writeFileSync(a.places[0]!, 'store');
    expect(guard(a.places).stdout).toBe('RUN\n');
  });

  it.each([
    ['a dangling link to /etc/ld.so.preload', (h: string) => symlinkSync('/etc/ld.so.preload.hsts-test-never', join(h, 'localkeystore.db')), 'localkeystore.db is a link or not a regular file'],
    ['a link to a root file', (h: string) => symlinkSync('/etc/passwd', join(h, 'localkeystore.db')), 'localkeystore.db is a link or not a regular file'],
    ['.aspera linked to /etc', (h: string) => symlinkSync('/etc', join(h, '.aspera')), '.aspera is a link or not a directory'],
    ['a directory where the store goes', (h: string) => mkdirSync(join(h, 'localkeystore.db')), 'localkeystore.db is a link or not a regular file'],
  ])('refuses %s, and askmscli does not run', (_name, plant, why) => {
    const a = places();
    plant(a.h);
    const r = guard(a.places);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(why);
    expect(r.stdout).not.toContain('RUN');
  });
});
