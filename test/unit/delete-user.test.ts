import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteUser } from '../../src/remote/users.js';
import { parseBatchOutput, renderBatch } from '../../src/ssh/remote-script.js';

// The rollback's removal of an account, run in a local shell on real files: getent and userdel are
// stand-ins (no account is made or removed on this machine), the home and what rm does are real.
const dir = mkdtempSync(join(tmpdir(), 'hsts-delete-user-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NAME = 'zz-hsts-gone';
const UID = 54321;
let n = 0;

function run(home: string, passwdUid: number | null) {
  const log = join(dir, `${n}.log`);
  const standIns = [
    `getent() { [ "$1 $2" = 'passwd ${NAME}' ] && ${passwdUid === null ? 'return 2' : `echo '${NAME}:x:${passwdUid}:${passwdUid}::${home}:/bin/sh'`}; }`,
    `userdel() { echo "userdel $*" >> ${log}; }`,
  ].join('\n');
  const command = deleteUser(NAME, UID);
  const withStandIns = { ...command, code: `${standIns}\n${command.code}` };
  const batch = renderBatch([withStandIns], 'run-all');
  const done = spawnSync('bash', ['-c', batch.script], { input: batch.stdin, timeout: 20_000 });
  const result = parseBatchOutput([withStandIns], done.stdout)[0]!;
  return { ...result, userdel: existsSync(log) ? readFileSync(log, 'utf8') : '' };
}

/** BASE/NAME owned by uid UID, holding a file, a directory and a link to a root directory with a file. */
function home(owner = UID, name = NAME) {
  const base = join(dir, `base${n++}`);
  const h = join(base, name);
  const rootDir = join(base, 'root-only');
  mkdirSync(join(h, '.aspera'), { recursive: true });
  mkdirSync(rootDir);
  writeFileSync(join(rootDir, 'keep'), 'x');
  writeFileSync(join(h, '.aspera', 'localkeystore.db'), 'x');
  symlinkSync(rootDir, join(h, '.aspera', 'swapped'));
  symlinkSync(rootDir, join(h, 'link'));
  for (const p of [h, join(h, '.aspera'), join(h, '.aspera', 'localkeystore.db')]) chownSync(p, owner, owner);
  return { h, keep: join(rootDir, 'keep') };
}

describe('deleteUser (a rollback of useradd)', () => {
  it('removes the account, then its home, following no link in it', () => {
    const { h, keep } = home();
    const r = run(h, UID);
    expect(r.exitCode, r.output).toBe(0);
    expect(r.userdel).toBe(`userdel ${NAME}\n`);
    expect(existsSync(h)).toBe(false);
    expect(readFileSync(keep, 'utf8')).toBe('x');
  });

  it.each([
    ['a home another account owns', () => home(UID + 1).h],
    ['a home not named after the account', () => home(UID, 'elsewhere').h],
    ['a home that is a link', () => {
      const { h } = home();
      const link = join(dir, `base${n++}`, NAME);
      mkdirSync(join(link, '..'));
      symlinkSync(h, link);
      return link;
    }],
  ])('removes the account but leaves %s', (_name, make) => {
    const h = make();
    const r = run(h, UID);
    expect(r.exitCode, r.output).toBe(0);
    expect(r.userdel).toBe(`userdel ${NAME}\n`);
    expect(lstatSync(h)).toBeTruthy();
  });

  it('leaves an account whose uid is no longer the one read, saying so', () => {
    const { h } = home();
    const r = run(h, UID + 7);
    expect(r.exitCode).toBe(1);
    expect(r.output).toBe(`${NAME} is uid ${UID + 7} now, not ${UID}: left as it is`);
    expect(r.userdel).toBe('');
    expect(existsSync(h)).toBe(true);
  });

  it('has nothing to do for an account already gone', () => {
    const r = run(join(dir, 'none', NAME), null);
    expect(r.exitCode).toBe(0);
    expect(r.userdel).toBe('');
  });

  it('takes no uid outside what useradd gives', () => {
    expect(() => deleteUser(NAME, -1)).toThrow('internal: bad uid -1');
  });
});
