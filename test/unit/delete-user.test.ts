import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteUser } from '../../src/remote/users.js';
import { parseBatchOutput, renderBatch } from '../../src/ssh/remote-script.js';

// The rollback's removal of an account, run in a local shell on real files and real processes:
// getent, usermod and userdel are stand-ins (no account is made or changed on this machine); the
// home, rm, and the kill of the uid's processes are real.
const dir = mkdtempSync(join(tmpdir(), 'hsts-delete-user-'));
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NAME = 'zz-hsts-gone';
const UID = 54321;
let n = 0;

beforeAll(() => {
  // The uid must be no one's here: the command kills every process it runs.
  expect(spawnSync('getent', ['passwd', String(UID)]).status).not.toBe(0);
  expect(spawnSync('pgrep', ['-U', String(UID)]).status).toBe(1);
});

function run(home: string, passwdUid: number | null) {
  const log = join(dir, `${n++}.log`);
  const standIns = [
    `getent() { [ "$1 $2" = 'passwd ${NAME}' ] && ${passwdUid === null ? 'return 2' : `echo '${NAME}:x:${passwdUid}:${passwdUid}::${home}:/bin/sh'`}; }`,
    `usermod() { echo "usermod $*" >> ${log}; }`,
    `userdel() { echo "userdel $*" >> ${log}; }`,
  ].join('\n');
  const command = deleteUser(NAME, UID);
  const withStandIns = { ...command, code: `${standIns}\n${command.code}` };
  const batch = renderBatch([withStandIns], 'run-all');
  const done = spawnSync('bash', ['-c', batch.script], { input: batch.stdin, timeout: 20_000 });
  const result = parseBatchOutput([withStandIns], done.stdout)[0]!;
  return { ...result, calls: existsSync(log) ? readFileSync(log, 'utf8') : '' };
}
const DELETED = `usermod -L -e 1 ${NAME}\nuserdel ${NAME}\n`;

/** BASE/NAME (BASE root's 0755) owned by OWNER, holding a file, a directory and links to a root directory with a file. */
function home(owner = UID, name = NAME) {
  const base = join(dir, `base${n++}`);
  const h = join(base, name);
  const rootDir = join(base, 'root-only');
  mkdirSync(join(h, '.aspera'), { recursive: true });
  chmodSync(base, 0o755);
  mkdirSync(rootDir);
  writeFileSync(join(rootDir, 'keep'), 'x');
  writeFileSync(join(h, '.aspera', 'localkeystore.db'), 'x');
  symlinkSync(rootDir, join(h, '.aspera', 'swapped'));
  symlinkSync(rootDir, join(h, 'link'));
  for (const p of [h, join(h, '.aspera'), join(h, '.aspera', 'localkeystore.db')]) chownSync(p, owner, owner);
  return { base, h, keep: join(rootDir, 'keep') };
}

describe('deleteUser (a rollback of useradd)', () => {
  it('locks and removes the account, then its home, following no link in it', () => {
    const { h, keep } = home();
    const r = run(h, UID);
    expect(r.exitCode, r.output).toBe(0);
    expect(r.calls).toBe(DELETED);
    expect(existsSync(h)).toBe(false);
    expect(readFileSync(keep, 'utf8')).toBe('x');
  });

  it('kills the account\'s processes first: one swapping a directory of the home for a link to a root directory walks nothing', async () => {
    const { h, keep } = home();
    // As the account: the home's .aspera swapped for a link and back, as fast as it can, until killed.
    const swapper = spawn('setpriv', ['--reuid', String(UID), '--regid', String(UID), '--clear-groups', 'bash', '-c',
      `cd ${h}; for i in $(seq 100000); do mv -T .aspera .a && ln -s ${join(keep, '..')} .aspera; rm -f .aspera; mv -T .a .aspera; done`]);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => swapper.on('exit', (_code, signal) => resolve(signal)));
    for (let i = 0; i < 50 && spawnSync('pgrep', ['-U', String(UID)]).status !== 0; i++) await new Promise((r) => setTimeout(r, 20));
    const r = run(h, UID);
    expect(r.exitCode, r.output).toBe(0);
    expect(await exited).toBe('SIGKILL');
    expect(existsSync(h)).toBe(false);
    expect(readFileSync(keep, 'utf8')).toBe('x');
  });

  it('kills a process that holds the account\'s uid only as its saved uid (a setuid program of the account\'s, run by another)', async () => {
    const { h } = home();
    const held = spawn('python3', ['-c', `import os, time\nos.setresuid(${UID + 1}, ${UID + 1}, ${UID})\ntime.sleep(30)`]);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => held.on('exit', (_code, signal) => resolve(signal)));
    const savedUid = () => spawnSync('bash', ['-c', `grep -l '^Uid:.*\\b${UID}\\b' /proc/${held.pid}/status`]).status === 0;
    for (let i = 0; i < 50 && !savedUid(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(savedUid()).toBe(true);
    const r = run(h, UID);
    expect(r.exitCode, r.output).toBe(0);
    expect(await exited).toBe('SIGKILL');
  });

  it.each([
    ['a home another account owns', () => home(UID + 1).h, "not a directory of uid 54321's"],
    ['a home that is a link', () => {
      const { h } = home();
      const link = join(dir, `base${n++}`, NAME);
      mkdirSync(join(link, '..'), { mode: 0o755 });
      symlinkSync(h, link);
      return link;
    }, "not a directory of uid 54321's"],
    ['a home whose parent another account may write', () => {
      const { base, h } = home();
      chmodSync(base, 0o777);
      return h;
    }, "its parent is not root's alone"],
    ['a home not named after the account', () => home(UID, 'elsewhere').h, `not a BASE/${NAME}`],
  ])('removes the account but leaves %s, saying so and failing', (_name, make, why) => {
    const h = make();
    const r = run(h, UID);
    expect(r.exitCode).toBe(1);
    expect(r.output.trim()).toBe(`home ${h} left: ${why}`);
    expect(r.calls).toBe(DELETED);
    expect(lstatSync(h)).toBeTruthy();
  });

  it('removes the account of a home already gone', () => {
    const r = run(join(dir, 'none', NAME), UID);
    expect(r.exitCode, r.output).toBe(0);
    expect(r.calls).toBe(DELETED);
  });

  it('leaves an account whose uid is no longer the one read, saying so', () => {
    const { h } = home();
    const r = run(h, UID + 7);
    expect(r.exitCode).toBe(1);
    expect(r.output.trim()).toBe(`${NAME} is uid ${UID + 7} now, not ${UID}: left as it is`);
    expect(r.calls).toBe('');
    expect(existsSync(h)).toBe(true);
  });

  it('has nothing to do for an account already gone', () => {
    const r = run(join(dir, 'none', NAME), null);
    expect(r.exitCode).toBe(0);
    expect(r.output.trim()).toBe(`${NAME} is no longer an account`);
    expect(r.calls).toBe('');
  });

  it.each([-1, 0, 999, 60001, 65534])('takes no uid useradd does not give (%i)', (uid) => {
    expect(() => deleteUser(NAME, uid)).toThrow(`internal: uid ${uid} is not one useradd gives`);
  });
});
