import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OPEN_FUNCTION, parseSafeRead, REMOVE_FUNCTION, safeCopyCode, safeReadCode, safeWriteCode } from '../../src/remote/safe-files.js';
import { parseBatchOutput, renderBatch, type RemoteCommand } from '../../src/ssh/remote-script.js';

// The builders' bash runs in a local shell on a scratch directory: the code a node runs, on real files.
const dir = mkdtempSync(join(tmpdir(), 'hsts-safe-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(command: RemoteCommand) {
  const batch = renderBatch([command], 'run-all');
  const done = spawnSync('bash', ['-c', batch.script], { input: batch.stdin, timeout: 20_000 });
  return parseBatchOutput([command], done.stdout)[0]!;
}
const read = (path: string, max?: number) => parseSafeRead(run({ label: 'read', code: safeReadCode(path, max) }).output);
const write = (path: string, content: string, mode = '640') =>
  run({ label: 'write', code: safeWriteCode(path, 'root', 'root', mode), inputs: { content } });
const leftovers = () => readdirSync(dir).filter((name) => name.includes('.hsts-cluster.'));

let n = 0;
const fresh = (name: string) => join(dir, `${n++}-${name}`);
const secret = fresh('root-only');
writeFileSync(secret, 'root:secret\n', { mode: 0o600 });

describe('safe read', () => {
  it('reads a regular file: bytes, and owner, group, mode and links of the opened file', () => {
    const path = fresh('a.conf');
    writeFileSync(path, 'bind 1.2.3.4\n', { mode: 0o640 });
    chownSync(path, 0, 0);
    chmodSync(path, 0o640);
    expect(read(path)).toEqual({ state: 'read', owner: 'root', group: 'root', mode: '640', links: 1, content: Buffer.from('bind 1.2.3.4\n') });
    expect(read(fresh('none'))).toEqual({ state: 'absent' });
  });

  it.each([
    ['a symlink to a root-only file', (p: string) => symlinkSync(secret, p), 'a symlink'],
    ['a dangling symlink', (p: string) => symlinkSync(join(dir, 'nowhere'), p), 'a symlink'],
    ['a symlink to /dev/zero', (p: string) => symlinkSync('/dev/zero', p), 'a symlink'],
    ['a FIFO', (p: string) => spawnSync('mkfifo', [p]), 'not a regular file (fifo)'],
    ['a directory', (p: string) => spawnSync('mkdir', [p]), 'not a regular file (directory)'],
    ['a hard link to a root-only file', (p: string) => linkSync(secret, p), 'a file with 2 hard links'],
  ])('refuses %s, saying why, and reads nothing', (_name, plant, why) => {
    const path = fresh('planted');
    plant(path);
    expect(read(path)).toEqual({ state: 'refused', reason: why });
  });

  // A stat that renames a new file over the path right after the path's lstat, as Sentinel's
  // config save does at any moment, for the first `times` reads: the race, made certain.
  // (The count is kept in a file: the lstat runs in a command substitution's subshell.)
  const replacedAfterLstat = (path: string, times: number) => [
    `: > ${path}.count`,
    `stat() { command stat "$@"; local s=$? r; r=$(wc -c < ${path}.count); if [ "$1" = -c ] && [[ $2 == *'%d:%i:%F' ]] && [ "$r" -lt ${times} ]; then`,
    `  printf x >> ${path}.count; printf 'rewrite %s\\n' "$((r + 1))" > ${path}.tmp && mv -f ${path}.tmp ${path}; fi; return $s; }`,
  ].join('\n');

  it('reads again a file replaced by a rename between its lstat and its open (a config save)', () => {
    const path = fresh('sentinel.conf');
    writeFileSync(path, 'before\n');
    const once = parseSafeRead(run({ label: 'read', code: `${replacedAfterLstat(path, 1)}\n${safeReadCode(path)}` }).output);
    expect(once).toMatchObject({ state: 'read', content: Buffer.from('rewrite 1\n') });
    const always = parseSafeRead(run({ label: 'read', code: `${replacedAfterLstat(path, 99)}\n${safeReadCode(path)}` }).output);
    expect(always).toEqual({ state: 'refused', reason: 'replaced while it was opened, 5 times' });
  });

  it('reads again a file replaced by a rename just after its open (the opened file has no link left)', () => {
    const path = fresh('sentinel-after-open.conf');
    writeFileSync(path, 'before\n');
    // The fstat of the opened file (stat -L on /dev/fd/3) first renames a new file over the path.
    const replacedAfterOpen = [
      `: > ${path}.count`,
      `stat() { if [ "$1" = -L ] && [ "$(wc -c < ${path}.count)" -lt 1 ]; then printf x >> ${path}.count; printf 'rewrite\\n' > ${path}.tmp && mv -f ${path}.tmp ${path}; fi; command stat "$@"; }`,
    ].join('\n');
    expect(parseSafeRead(run({ label: 'read', code: `${replacedAfterOpen}\n${safeReadCode(path)}` }).output)).toMatchObject({ state: 'read', links: 1, content: Buffer.from('rewrite\n') });
  });

  it('refuses at once, opening it no more, what is no regular file once opened (a link to a device swapped in after the lstat)', () => {
    const path = fresh('swapped.conf');
    writeFileSync(path, 'x\n');
    const count = `${path}.opens`;
    // After the lstat, the name becomes a link to /dev/null: the open follows it; count each such lstat.
    const swap = [
      `: > ${count}`,
      `stat() { command stat "$@"; local s=$?; if [ "$1" = -c ] && [[ $2 == *'%d:%i:%F' ]]; then printf x >> ${count}; ln -sfn /dev/null ${path}.l && mv -fT ${path}.l ${path}; fi; return $s; }`,
    ].join('\n');
    const answer = parseSafeRead(run({ label: 'read', code: `${swap}\n${safeReadCode(path)}` }).output);
    expect(answer).toEqual({ state: 'refused', reason: 'replaced by a character special file while it was opened' });
    expect(readFileSync(count, 'utf8')).toBe('x');
  });

  it('refuses a file over the bound', () => {
    const path = fresh('big');
    writeFileSync(path, Buffer.alloc(2049));
    expect(read(path, 2048)).toEqual({ state: 'refused', reason: 'too large (2049 bytes, at most 2048)' });
    expect(read(path, 4096)).toMatchObject({ state: 'read', content: Buffer.alloc(2049) });
  });

  it('takes no answer, or one it does not know, for a refusal, never for a file', () => {
    expect(parseSafeRead(undefined)).toEqual({ state: 'refused', reason: 'no answer' });
    expect(parseSafeRead('stat: oops')).toMatchObject({ state: 'refused' });
    // A message after the base64 line (stderr shares the output) is never decoded into the file.
    expect(parseSafeRead('root root 640 1 6\naGVsbG8K\nhead: error reading: Input/output error')).toEqual({
      state: 'refused', reason: "unexpected answer after the file's first line: head: error reading: Input/output error",
    });
  });

  it('reads an empty file, its empty base64 line cut from the answer with the trailing newlines', () => {
    const path = fresh('empty.conf');
    writeFileSync(path, '');
    expect(read(path)).toMatchObject({ state: 'read', content: Buffer.alloc(0) });
    expect(parseSafeRead('asperadaemon aspadmins 600 1 0')).toEqual({ state: 'read', owner: 'asperadaemon', group: 'aspadmins', mode: '600', links: 1, content: Buffer.alloc(0) });
    expect(parseSafeRead('asperadaemon aspadmins 600 1 0\n\n')).toMatchObject({ state: 'read', content: Buffer.alloc(0) });
    // A cut answer of a file that is not empty stays a refusal.
    expect(parseSafeRead('asperadaemon aspadmins 600 1 12')).toMatchObject({ state: 'refused' });
  });

  it('reads the answer of an older prober (owner group mode, then base64) as one link', () => {
    expect(parseSafeRead('root adm 640\naGk=')).toEqual({ state: 'read', owner: 'root', group: 'adm', mode: '640', links: 1, content: Buffer.from('hi') });
  });
});

// A directory another account owns (the noded user's /opt/aspera/var, a transfer user's home): root
// opens nothing there by a name that account can swap; the name is first taken aside as a hard link.
describe('safe read in a directory another account may write', () => {
  const theirs = mkdtempSync(join(dir, 'theirs-'));
  chownSync(theirs, 65534, 65534);
  chmodSync(theirs, 0o755);
  const ours = () => readdirSync(theirs).filter((name) => name.includes('.hsts-cluster.'));
  let k = 0;
  const at = (name: string) => join(theirs, `${k++}-${name}`);
  const readWith = (prelude: string, path: string, timeout = 20_000) => {
    const batch = renderBatch([{ label: 'read', code: `${prelude}\n${safeReadCode(path)}` }], 'run-all');
    const done = spawnSync('bash', ['-c', batch.script], { input: batch.stdin, timeout });
    return parseSafeRead(parseBatchOutput([{ label: 'read', code: '' }], done.stdout)[0]!.output);
  };

  it('reads a regular file as one link, and leaves nothing beside it', () => {
    const path = at('aspera_31415.conf');
    writeFileSync(path, 'port 31415\n', { mode: 0o640 });
    chownSync(path, 65534, 65534);
    expect(read(path)).toEqual({ state: 'read', owner: 'nobody', group: 'nogroup', mode: '640', links: 1, content: Buffer.from('port 31415\n') });
    expect(lstatSync(path).nlink).toBe(1);
    expect(ours()).toEqual([]);
  });

  it.each([
    ['a symlink to a root-only file', (p: string) => symlinkSync(secret, p), 'a symlink'],
    ['a symlink to /dev/zero', (p: string) => symlinkSync('/dev/zero', p), 'a symlink'],
    ['a FIFO', (p: string) => spawnSync('mkfifo', [p]), 'not a regular file (fifo)'],
    ['a directory', (p: string) => spawnSync('mkdir', [p]), 'not a regular file (directory)'],
  ])('refuses %s, saying why, reads nothing, and leaves nothing beside it', (_name, plant, why) => {
    const path = at('planted');
    plant(path);
    expect(read(path)).toEqual({ state: 'refused', reason: why });
    expect(ours()).toEqual([]);
  });

  it("reads where the kernel's fs.protected_hardlinks cannot be read (taken as 0), its error kept out of the answer", () => {
    const path = at('no-proc.conf');
    writeFileSync(path, 'port 31415\n');
    chownSync(path, 65534, 65534);
    const noProc = `read() { if [ "$1" = -r ] && [ "$2" = h ]; then echo 'bash: /proc/sys/fs/protected_hardlinks: No such file or directory' >&2; return 1; else builtin read "$@"; fi; }`;
    expect(readWith(noProc, path)).toMatchObject({ state: 'read', content: Buffer.from('port 31415\n') });
  });

  // The kernel's fs.protected_hardlinks, as __open reads it, made 0 (a function shadows the builtin).
  const unprotected = `read() { if [ "$1" = -r ] && [ "$2" = h ]; then h=0; else builtin read "$@"; fi; }`;

  it('a second name: refused where the kernel lets an account link any file, read where it may link only its own', () => {
    const only = fresh('root-only');
    writeFileSync(only, 'root:secret\n', { mode: 0o600 });
    const path = at('second-name');
    linkSync(only, path);
    expect(readWith(unprotected, path)).toEqual({ state: 'refused', reason: "another account's file (uid 0) in a directory of uid 65534's, on a kernel that lets any account link any file (fs.protected_hardlinks=0)" });
    expect(readFileSync('/proc/sys/fs/protected_hardlinks', 'utf8').trim()).toBe('1');
    expect(readWith('', path)).toMatchObject({ state: 'read', links: 1 });
    expect(ours()).toEqual([]);
  });

  it('a second name whose maker unlinks its own once root\'s link is made: still refused where the kernel lets it link any file', () => {
    const only = fresh('root-only');
    writeFileSync(only, 'root:secret\n', { mode: 0o600 });
    const path = at('unlinked-after');
    linkSync(only, path);
    const unlinkAfterLink = `ln() { command ln "$@"; local s=$?; [ "$1" != -P ] || command rm -f ${path}; return $s; }`;
    expect(readWith(`${unprotected}\n${unlinkAfterLink}`, path)).toMatchObject({ state: 'refused', reason: expect.stringContaining("another account's file (uid 0)") });
    expect(ours()).toEqual([]);
  });

  it('a root-only file linked into a root-owned directory others may write: refused where the kernel lets any account link it', () => {
    const shared = mkdtempSync(join(dir, 'root-775-'));
    chmodSync(shared, 0o775);
    const only = fresh('root-only');
    writeFileSync(only, 'root:secret\n', { mode: 0o600 });
    const path = join(shared, 'linked');
    linkSync(only, path);
    expect(readWith(unprotected, path)).toMatchObject({ state: 'refused', reason: expect.stringContaining("another account's file (uid 0) in a directory of uid 0's") });
  });

  it('reads in a setgid directory, where the private directory is made 2700', () => {
    const shared = mkdtempSync(join(dir, 'setgid-'));
    chownSync(shared, 65534, 65534);
    chmodSync(shared, 0o2775);
    const path = join(shared, 'store.db');
    writeFileSync(path, 'x\n');
    expect(read(path)).toMatchObject({ state: 'read', content: Buffer.from('x\n') });
    expect(readdirSync(shared)).toEqual(['store.db']);
  });

  it('gives an owner or group whose name holds a space by its number: the answer\'s fields stay in place', () => {
    const path = at('domain-users.db');
    writeFileSync(path, 'x\n', { mode: 0o640 });
    chownSync(path, 65534, 65534);
    const spacedGroup = `stat() { if [ "$1" = -L ]; then command stat "$@" | sed '$s/.*/domain users/'; else command stat "$@"; fi; }`;
    expect(readWith(spacedGroup, path)).toEqual({ state: 'read', owner: 'nobody', group: '65534', mode: '640', links: 1, content: Buffer.from('x\n') });
  });

  it('says a name gone since the caller saw it cannot be read (not that it is a directory)', () => {
    for (const gone of [at('gone'), fresh('gone-in-root-dir')]) {
      const answer = run({ label: 'open', code: `${OPEN_FUNCTION}\n__open ${gone} '' && echo opened || echo "refused: $why"` });
      expect(answer.output.trim()).toBe('refused: cannot be read');
    }
  });

  // Where no private link can be made but no name can change either, the name is opened as it is.
  it('reads in a directory mounted read-only (nothing can be made there, nothing renamed)', () => {
    const frozen = mkdtempSync(join(dir, 'read-only-'));
    chownSync(frozen, 65534, 65534);
    writeFileSync(join(frozen, 'a.conf'), 'ro\n');
    const mounted = spawnSync('sh', ['-c', `mount --bind ${frozen} ${frozen} && mount -o remount,bind,ro ${frozen}`]);
    try {
      expect(mounted.status).toBe(0);
      expect(read(join(frozen, 'a.conf'))).toMatchObject({ state: 'read', content: Buffer.from('ro\n') });
    } finally {
      spawnSync('umount', [frozen]);
    }
  });

  it('refuses a file bind-mounted onto its name: no link across a mount, and a mount point found by path could be another\'s', () => {
    const source = fresh('mounted-source.conf');
    writeFileSync(source, 'mounted\n');
    const path = at('mounted.conf');
    writeFileSync(path, '');
    const mounted = spawnSync('mount', ['--bind', source, path]);
    try {
      expect(mounted.status).toBe(0);
      expect(read(path)).toEqual({ state: 'refused', reason: 'cannot be linked aside (immutable or append-only, a mount point, or on a file system without hard links)' });
      expect(ours()).toEqual([]);
    } finally {
      spawnSync('umount', [path]);
    }
  });

  it.each([
    ['protected_hardlinks=1: links not counted', ''],
    ['protected_hardlinks=0: reads take turns', unprotected],
  ])('reads one file many times at once (%s): each read\'s private link is no second name to the others', (_name, prelude) => {
    const path = at('read-at-once.conf');
    writeFileSync(path, 'port 31415\n');
    const code = `${prelude}\n${safeReadCode(path)}`;
    const commands = Array.from({ length: 6 }, (_, i) => ({ label: `read ${i}`, code }));
    const batch = renderBatch(commands, 'parallel');
    const done = spawnSync('bash', ['-c', batch.script], { input: batch.stdin, timeout: 30_000 });
    const answers = parseBatchOutput(commands, done.stdout).map((r) => parseSafeRead(r.output));
    expect(answers.map((a) => a.state)).toEqual(Array(6).fill('read'));
    expect(lstatSync(path).nlink).toBe(1);
    expect(ours()).toEqual([]);
  });

  // The swap the owner of the directory can make between root's check and its open: a link to a
  // FIFO, whose open would block the batch (a device's open would act). The open never takes it.
  const fifo = at('fifo');
  spawnSync('mkfifo', [fifo]);

  it('never opens a link to a FIFO swapped in just after the name\'s lstat: the batch does not block', () => {
    const path = at('swapped-after-lstat.conf');
    writeFileSync(path, 'honest\n');
    const swapAfterLstat = `stat() { command stat "$@"; local s=$?; if [ "$1" = -c ] && [[ $2 == *'%d:%i:%F' ]]; then ln -sfn ${fifo} ${path}.l && mv -fT ${path}.l ${path}; fi; return $s; }`;
    expect(readWith(swapAfterLstat, path, 5_000)).toEqual({ state: 'refused', reason: 'a symlink' });
    expect(ours()).toEqual([]);
  });

  it('reads the file that was there when its name was taken aside, whatever the name becomes after', () => {
    const path = at('swapped-after-link.conf');
    writeFileSync(path, 'honest\n');
    const swapAfterLink = `ln() { command ln "$@"; local s=$?; if [ "$1" = -P ]; then command ln -sfn ${fifo} ${path}.l && command mv -fT ${path}.l ${path}; fi; return $s; }`;
    expect(readWith(swapAfterLink, path, 5_000)).toMatchObject({ state: 'read', content: Buffer.from('honest\n') });
    expect(ours()).toEqual([]);
  });

  it('refuses unopened a link to a FIFO swapped in before the name is taken aside', () => {
    const path = at('swapped-before.conf');
    writeFileSync(path, 'honest\n');
    const swapBeforeLink = `ln() { if [ "$1" = -P ]; then command ln -sfn ${fifo} ${path}.l && command mv -fT ${path}.l ${path}; fi; command ln "$@"; }`;
    expect(readWith(swapBeforeLink, path, 5_000)).toEqual({ state: 'refused', reason: 'a symlink' });
    expect(ours()).toEqual([]);
  });

  it('removes no f of its own from a root-only directory of the owner\'s renamed to the private name', () => {
    const path = at('private-renamed.conf');
    writeFileSync(path, 'honest\n');
    const rootsThere = at('roots-700');
    spawnSync('mkdir', ['-m', '700', rootsThere]);
    writeFileSync(join(rootsThere, 'f'), 'keep\n');
    const swapPrivate = `mktemp() { local t; t=$(command mktemp "$@") || return 1; command rmdir "$t" && command mv -T ${rootsThere} "$t"; echo "$t"; }`;
    expect(readWith(swapPrivate, path)).toEqual({ state: 'refused', reason: 'cannot be linked aside (immutable or append-only, a mount point, or on a file system without hard links)' });
    const renamed = ours();
    expect(renamed).toHaveLength(1);
    expect(readFileSync(join(theirs, renamed[0]!, 'f'), 'utf8')).toBe('keep\n');
    expect(lstatSync(path).nlink).toBe(1);
    rmSync(join(theirs, renamed[0]!), { recursive: true });
  });

  it('uses no private directory whose name was swapped for a link to a root-only one, and removes nothing there', () => {
    const path = at('private-swapped.conf');
    writeFileSync(path, 'honest\n');
    const rootOnly = mkdtempSync(join(dir, 'root-only-'));
    writeFileSync(join(rootOnly, 'f'), 'keep\n');
    const aside = at('moved-aside');
    const swapPrivate = `mktemp() { local t; t=$(command mktemp "$@") || return 1; command mv -T "$t" ${aside} && command ln -s ${rootOnly} "$t"; echo "$t"; }`;
    expect(readWith(swapPrivate, path)).toEqual({ state: 'refused', reason: 'its private directory was replaced' });
    expect(readFileSync(join(rootOnly, 'f'), 'utf8')).toBe('keep\n');
    expect(lstatSync(path).nlink).toBe(1);
  });

  // `exec 6<DIR 2>/dev/null` with no command keeps both redirections for the rest of the shell.
  it('leaves the command\'s standard error as it was, after reads by both paths and a sweep of a leftover', () => {
    const inTheirs = at('stderr.conf');
    writeFileSync(inTheirs, 'x\n');
    const inRoots = fresh('stderr.conf');
    writeFileSync(inRoots, 'x\n');
    const leftover = join(theirs, '.hsts-cluster.1000.abcdefghij');
    mkdirSync(leftover, { mode: 0o700 });
    const code = `${safeReadCode(inRoots)} >/dev/null\necho after-root-read >&2\n${safeReadCode(inTheirs)} >/dev/null\necho after-their-read >&2`;
    const { output } = run({ label: 'read', code });
    expect(output).toContain('after-root-read');
    expect(output).toContain('after-their-read');
    rmSync(leftover, { recursive: true });
  });
});

// A batch killed during a read (its file's owner can hold the open up with a lease) leaves its
// private directory, root's, holding one more name of the file: the next read there removes it.
describe('leftovers of a killed read, removed by the next read in that directory', () => {
  const home = mkdtempSync(join(dir, 'leftovers-'));
  chownSync(home, 65534, 65534);
  chmodSync(home, 0o755);
  const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3600_000);
  let j = 0;
  /**
   * A private directory as __open makes it (root's 0700, named with the time it was made), `f` a
   * link to a file of OWNER's, made and last changed AGE hours ago; `unnamed`: an earlier version's
   * name, without the time.
   */
  const leftover = (opts: { age: number; owner?: number; dirOwner?: number; place?: string; unnamed?: boolean }) => {
    const file = join(home, `${j}-file`);
    writeFileSync(file, 'keep\n');
    chownSync(file, opts.owner ?? 65534, opts.owner ?? 65534);
    const made = Math.floor(hoursAgo(opts.age).getTime() / 1000);
    const left = join(opts.place ?? home, `.hsts-cluster.${opts.unnamed ? '' : `${made}.`}${String(j++).padStart(10, 'A')}`);
    mkdirSync(left, { mode: 0o700 });
    linkSync(file, join(left, 'f'));
    chownSync(left, opts.dirOwner ?? 0, 0);
    utimesSync(left, hoursAgo(opts.age), hoursAgo(opts.age));
    return { left, file };
  };
  const readThere = (prelude = '') => {
    const path = join(home, `${j++}-aspera_31415.conf`);
    writeFileSync(path, 'x\n');
    chownSync(path, 65534, 65534);
    expect(parseSafeRead(run({ label: 'read', code: `${prelude}\n${safeReadCode(path)}` }).output)).toMatchObject({ state: 'read' });
  };

  it.each([
    ['named with the time it was made', false],
    ['named as an earlier version named them', true],
  ])('removes one untouched for an hour, with its link, and leaves the file (%s)', (_name, unnamed) => {
    const { left, file } = leftover({ age: 2, unnamed });
    readThere();
    expect(existsSync(left)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('keep\n');
    expect(lstatSync(file).nlink).toBe(1);
  });

  it('passes over a concurrent read\'s directory by the time in its name, starting no process for it', () => {
    const { left } = leftover({ age: 0 });
    const calls = join(home, `${j++}-stat-calls`);
    readThere(`stat() { [[ $* != */dev/fd/8/* ]] || echo x >> ${calls}; command stat "$@"; }`);
    expect(readdirSync(left)).toEqual(['f']);
    expect(existsSync(calls)).toBe(false);
  });

  it.each([
    ['one changed within the hour (a read in progress)', () => leftover({ age: 0.5 }).left],
    ['a root directory holding a file not of the directory owner\'s', () => leftover({ age: 2, owner: 0 }).left],
    ['a directory not root\'s', () => leftover({ age: 2, dirOwner: 65534 }).left],
    ['a link to a leftover elsewhere', () => {
      const elsewhere = mkdtempSync(join(dir, 'elsewhere-'));
      const { left } = leftover({ age: 2, place: elsewhere });
      const link = join(home, `.hsts-cluster.${String(j++).padStart(10, 'B')}`);
      symlinkSync(left, link);
      return left;
    }],
  ])('leaves %s', (_name, make) => {
    const left = make();
    readThere();
    expect(readdirSync(left)).toEqual(['f']);
  });
});

describe('safe write', () => {
  it('replaces a file with owner and mode set, and leaves no temporary name', () => {
    const path = fresh('b.conf');
    writeFileSync(path, 'old');
    expect(write(path, 'new\n', '604')).toMatchObject({ exitCode: 0 });
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(statSync(path).mode & 0o7777).toBe(0o604);
    expect(leftovers()).toEqual([]);
  });

  it('replaces a symlink at the path: the file it points to keeps its bytes and mode', () => {
    const path = fresh('c.conf');
    symlinkSync(secret, path);
    expect(write(path, 'mine\n', '777')).toMatchObject({ exitCode: 0 });
    expect(readFileSync(secret, 'utf8')).toBe('root:secret\n');
    expect(statSync(secret).mode & 0o777).toBe(0o600);
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('mine\n');
  });

  it('replaces a hard link to a root-only file without writing into it', () => {
    const victim = fresh('victim');
    writeFileSync(victim, 'root:secret\n', { mode: 0o600 });
    const path = fresh('d.conf');
    linkSync(victim, path);
    expect(write(path, 'mine\n')).toMatchObject({ exitCode: 0 });
    expect(readFileSync(victim, 'utf8')).toBe('root:secret\n');
    expect(statSync(victim).nlink).toBe(1);
  });

  it('fails naming the path when it cannot put the file there, and cleans its temporary file', () => {
    const path = fresh('e.d');
    spawnSync('mkdir', [path]);
    spawnSync('touch', [join(path, 'inside')]);
    const result = write(path, 'x');
    expect(result.exitCode).toBe(1);
    expect(result.output).toContain(`${path}: could not be written in place`);
    expect(leftovers()).toEqual([]);
  });
});

describe('safe copy', () => {
  it('copies a regular file with its owner, group and mode', () => {
    const from = fresh('store.db');
    const to = fresh('copy.db');
    writeFileSync(from, Buffer.from([0, 1, 255]), { mode: 0o600 });
    chmodSync(from, 0o600);
    expect(run({ label: 'copy', code: safeCopyCode({ from, to, maxBytes: 1024 }) })).toMatchObject({ exitCode: 0 });
    expect(readFileSync(to)).toEqual(Buffer.from([0, 1, 255]));
    expect(statSync(to).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['a symlink to /dev/zero', (p: string) => symlinkSync('/dev/zero', p), 'a symlink'],
    ['a FIFO', (p: string) => spawnSync('mkfifo', [p]), 'not a regular file (fifo)'],
  ])('refuses a source that is %s, naming it', (_name, plant, why) => {
    const from = fresh('planted.db');
    const to = fresh('copy.db');
    plant(from);
    const result = run({ label: 'copy', code: safeCopyCode({ from, to, maxBytes: 1024 }) });
    expect(result).toMatchObject({ exitCode: 1, output: `refused ${from}: ${why}` });
    expect(() => lstatSync(to)).toThrow();
  });

  it('copies without a bound (a dataset) under the batch\'s set -u', () => {
    const from = fresh('dump.rdb');
    const to = fresh('saved.rdb');
    writeFileSync(from, Buffer.alloc(3000, 7));
    expect(run({ label: 'copy', code: safeCopyCode({ from, to, maxBytes: null }) })).toMatchObject({ exitCode: 0 });
    expect(readFileSync(to)).toEqual(Buffer.alloc(3000, 7));
  });

  it('runs the absent branch for a missing source', () => {
    const result = run({ label: 'copy', code: safeCopyCode({ from: fresh('none'), to: fresh('x'), maxBytes: null, whenAbsent: 'echo was absent' }) });
    expect(result).toMatchObject({ exitCode: 0, output: 'was absent' });
  });
});

/**
 * The directory a write or a removal lands in: entered once and judged as entered. A link another
 * account made in its own directory must not lead root into a directory that account cannot write
 * (`~u/.aspera -> /etc/bash_completion.d`); a file of one user never lands in another user's directory.
 */
describe('the directory a write or a removal lands in', () => {
  const isRoot = process.getuid?.() === 0;
  const uidOf = (name: string) => Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout.trim());
  const userDir = (name: string, owner: string) => {
    const path = fresh(name);
    spawnSync('mkdir', [path]);
    chownSync(path, uidOf(owner), uidOf(owner));
    return path;
  };
  const writeAs = (path: string, owner: string) =>
    run({ label: 'write', code: safeWriteCode(path, owner, owner === 'root' ? 'root' : 'nogroup', '600'), inputs: { content: 'store' } });
  const removeAs = (path: string, owner: string) => run({ label: 'remove', code: `${REMOVE_FUNCTION}\n__remove ${JSON.stringify(path)} ${owner} || exit 1` });

  it.runIf(isRoot)('writes a user\'s file in that user\'s directory, and root\'s in root\'s', () => {
    const home = userDir('home-nobody', 'nobody');
    expect(writeAs(join(home, 'localkeystore.db'), 'nobody').exitCode).toBe(0);
    expect(statSync(join(home, 'localkeystore.db')).uid).toBe(uidOf('nobody'));
    const rootDir = userDir('root-dir', 'root');
    expect(writeAs(join(rootDir, 'rootkeystore.db'), 'root').exitCode).toBe(0);
  });

  it.runIf(isRoot)('takes a link target going up (..) through another account\'s directory, and a name "-"', () => {
    // root-only/opt -> theirs/../disk (theirs nobody's): ".." from a directory others may write is
    // its parent, as it was; disk/- is a directory, not $OLDPWD.
    const parent = userDir('up-parent', 'root');
    const theirs = join(parent, 'theirs');
    mkdirSync(theirs);
    chownSync(theirs, uidOf('nobody'), uidOf('nobody'));
    const disk = join(parent, 'disk', '-');
    mkdirSync(disk, { recursive: true });
    const opt = join(userDir('root-only-up', 'root'), 'opt');
    symlinkSync(join(theirs, '..', 'disk'), opt);
    const r = writeAs(join(opt, '-', 'aspera_31415.conf'), 'nobody');
    expect(r.exitCode, r.output).toBe(0);
    expect(statSync(join(disk, 'aspera_31415.conf')).uid).toBe(uidOf('nobody'));
  });

  // Each: a user's file written through a link that leads to a root directory; refused, naming it, and nothing lands there.
  it.runIf(isRoot).each([
    ['that user\'s link to a root directory, which keeps its names', () => {
      const home = userDir('home-link', 'nobody');
      const rootDir = userDir('bash_completion.d', 'root');
      symlinkSync(rootDir, join(home, '.aspera'));
      return { path: join(home, '.aspera', 'localkeystore.db'), rootDir, prelude: '' };
    }],
    ['a link in a root directory others may write', () => {
      const shared = userDir('shared-root', 'root');
      chmodSync(shared, 0o777);
      const rootDir = userDir('cron.d', 'root');
      symlinkSync(rootDir, join(shared, 'opt'));
      return { path: join(shared, 'opt', 'x.conf'), rootDir, prelude: '' };
    }],
    // root-only/opt -> shared/opt, shared root's but world-writable, where shared/opt is another account's link.
    ['a link in a writable directory on the way of a link\'s target (followed one name at a time)', () => {
      const shared = userDir('shared-target', 'root');
      chmodSync(shared, 0o777);
      const rootDir = userDir('etc-target', 'root');
      symlinkSync(rootDir, join(shared, 'opt'));
      const opt = join(userDir('root-only-target', 'root'), 'opt');
      symlinkSync(join(shared, 'opt'), opt);
      return { path: join(opt, 'x.conf'), rootDir, prelude: '' };
    }],
    // bash's pwd -P resolves again the text cd saved: .aspera a directory when cd saved it, the link
    // at the chdir, a directory again now. Where the shell is must come from the kernel.
    ['a link bash\'s pwd -P would hide', () => {
      const home = userDir('home-pwd', 'nobody');
      const rootDir = userDir('completion-pwd', 'root');
      symlinkSync(rootDir, join(home, '.aspera'));
      return { path: join(home, '.aspera', 'localkeystore.db'), rootDir, prelude: `pwd() { echo ${join(home, '.aspera')}; }` };
    }],
  ])('refuses a user\'s file through %s', (_name, make) => {
    const { path, rootDir, prelude } = make();
    const r = run({ label: 'write', code: `${prelude}\n${safeWriteCode(path, 'nobody', 'nogroup', '600')}`, inputs: { content: 'store' } });
    expect(r.exitCode).toBe(1);
    expect(r.output).toContain(`leads through a link to ${rootDir}, which is root's`);
    expect(readdirSync(rootDir)).toEqual([]);
  });


  it.runIf(isRoot)('writes a user\'s file in a root directory reached through links only root may change (/opt or /home a link to a larger disk)', () => {
    const disk = userDir('data-disk', 'root');
    const redisDir = join(disk, 'redis');
    spawnSync('mkdir', [redisDir]);
    const opt = join(userDir('root-only', 'root'), 'opt');
    symlinkSync(disk, opt);
    const r = writeAs(join(opt, 'redis', 'aspera_31415.conf'), 'nobody');
    expect(r.exitCode, r.output).toBe(0);
    expect(statSync(join(redisDir, 'aspera_31415.conf')).uid).toBe(uidOf('nobody'));
  });


  it.runIf(isRoot)('refuses a directory swapped for a link between its first entry and the walk from /', () => {
    // root-only/opt -> theirs (nobody's), theirs/sub root's: entered through a link root alone may
    // change, then sub, in nobody's directory, swapped for a link to a root directory elsewhere.
    const theirs = userDir('theirs-enter', 'nobody');
    const sub = join(theirs, 'sub');
    mkdirSync(sub);
    const rootDir = userDir('etc-elsewhere', 'root');
    const opt = join(userDir('root-only-enter', 'root'), 'opt');
    symlinkSync(theirs, opt);
    const swapOnWalk = `cd() { if [ "\${3-}" = ./sub ] && [ "$PWD" = ${theirs} ]; then command mv -T ${sub} ${sub}.real && command ln -s ${rootDir} ${sub}; fi; builtin cd "$@"; }`;
    const r = run({ label: 'write', code: `${swapOnWalk}\n${safeWriteCode(join(opt, 'sub', 'x.conf'), 'nobody', 'nogroup', '600')}`, inputs: { content: 'x' } });
    expect(r.exitCode).toBe(1);
    expect(r.output).toContain(`${join(opt, 'sub')} was swapped while it was entered`);
    expect(readdirSync(rootDir)).toEqual([]);
  });

  it.runIf(isRoot)('refuses a name swapped for a link between its test and its entry, on the walk from /', () => {
    // theirs/sub (nobody's directory) is a link to a root directory: the first entry goes there.
    // On the walk, sub is a directory when tested and the link again when entered.
    const theirs = userDir('theirs-race', 'nobody');
    const sub = join(theirs, 'sub');
    const rootDir = userDir('etc-race', 'root');
    symlinkSync(rootDir, sub);
    const opt = join(userDir('root-only-race', 'root'), 'opt');
    symlinkSync(theirs, opt);
    const race = [
      `read() { if [ "$PWD" = ${theirs} ] && [ -L ${sub} ]; then command mv -T ${sub} ${sub}.link && command mkdir ${sub}; fi; builtin read "$@"; }`,
      `cd() { if [ "\${3-}" = ./sub ] && [ "$PWD" = ${theirs} ] && [ -L ${sub}.link ]; then command rmdir ${sub} && command mv -T ${sub}.link ${sub}; fi; builtin cd "$@"; }`,
    ].join('\n');
    const r = run({ label: 'write', code: `${race}\n${safeWriteCode(join(opt, 'sub', 'x.conf'), 'nobody', 'nogroup', '600')}`, inputs: { content: 'x' } });
    expect(r.exitCode).toBe(1);
    expect(r.output).toContain(`${join(opt, 'sub')} was swapped while it was entered`);
    expect(readdirSync(rootDir)).toEqual([]);
  });



  it.runIf(isRoot)('refuses one user\'s file in another user\'s directory', () => {
    const other = userDir('home-daemon', 'daemon');
    const r = writeAs(join(other, 'localkeystore.db'), 'nobody');
    expect(r.exitCode).toBe(1);
    expect(r.output).toContain(`${other} is daemon's, not nobody's or root's`);
    expect(readdirSync(other)).toEqual([]);
  });

  it.runIf(isRoot)('gives the temporary file its owner before any byte: a write killed half way leaves no root-owned file of the content in the owner\'s directory', () => {
    const home = userDir('home-killed', 'nobody');
    // cat is where the bytes go in: killed there, as a full disk or a killed batch would stop it.
    const r = run({ label: 'write', code: `cat() { kill -KILL $BASHPID; }\n${safeWriteCode(join(home, 'aspera_31415.conf'), 'nobody', 'nogroup', '640')}`, inputs: { content: '[Service]\nExecStart=/bin/sh -c id\n' } });
    expect(r.exitCode).toBe(1);
    const left = readdirSync(home);
    expect(left.length).toBeLessThanOrEqual(1);
    for (const name of left) {
      expect(statSync(join(home, name)).uid, name).toBe(uidOf('nobody'));
      expect(statSync(join(home, name)).size, name).toBe(0);
    }
  });

  it.runIf(isRoot)('removes its temporary name when the write fails', () => {
    const home = userDir('home-failed', 'nobody');
    const r = run({ label: 'write', code: `cat() { return 1; }\n${safeWriteCode(join(home, 'x.conf'), 'nobody', 'nogroup', '640')}`, inputs: { content: 'x' } });
    expect(r.exitCode).toBe(1);
    expect(readdirSync(home)).toEqual([]);
  });

  it.runIf(isRoot)('removes only from inside the owner\'s directory, never through a link into root\'s', () => {
    const home = userDir('home-rm', 'nobody');
    const rootDir = userDir('etc-like', 'root');
    writeFileSync(join(rootDir, 'localkeystore.db'), 'root file');
    symlinkSync(rootDir, join(home, '.aspera'));
    expect(removeAs(join(home, '.aspera', 'localkeystore.db'), 'nobody').exitCode).toBe(1);
    expect(readFileSync(join(rootDir, 'localkeystore.db'), 'utf8')).toBe('root file');
    writeFileSync(join(home, 'mine.db'), 'x');
    expect(removeAs(join(home, 'mine.db'), 'nobody').exitCode).toBe(0);
    expect(lstatSync(join(home, 'mine.db'), { throwIfNoEntry: false })).toBeUndefined();
    expect(removeAs(join(home, 'never-there.db'), 'nobody').exitCode).toBe(0);
  });
});
