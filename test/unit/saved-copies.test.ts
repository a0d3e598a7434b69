import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copiesProbe, type SavedCopy } from '../../src/facts/copies-probe.js';
import { copyName, putBackCopyCommand, saveCopiesCommand } from '../../src/runner/saved-copies.js';
import { parseBatchOutput, renderBatch, type RemoteCommand } from '../../src/ssh/remote-script.js';

// The commands run by a local shell on a scratch directory: the same code a node runs, on real files.
const dir = mkdtempSync(join(tmpdir(), 'hsts-saved-copies-'));
const runDir = join(dir, 'run');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(command: RemoteCommand) {
  const batch = renderBatch([command], 'run-all');
  return parseBatchOutput([command], spawnSync('bash', ['-c', batch.script], { input: batch.stdin, timeout: 20_000 }).stdout)[0]!;
}

const store = join(dir, 'rootkeystore.db');
const missing = join(dir, 'home', 'localkeystore.db');
const copies: SavedCopy[] = [{ path: store, saved: copyName(0, store) }, { path: missing, saved: copyName(1, missing) }];
const compare = () => {
  const probe = copiesProbe(runDir, copies);
  return Object.fromEntries(probe.parse(run(probe.command)));
};

describe('node-side copies of opaque files', () => {
  it('names each copy by its place in the snapshot and the file\'s name', () => {
    expect(copyName(2, '~xfer/localkeystore.db')).toBe('copy.2.localkeystore.db');
  });

  it('saves a file with its mode and notes an absent one; compares, and puts both back', () => {
    writeFileSync(store, Buffer.from([0, 1, 2, 255]));
    chmodSync(store, 0o600);
    run({ label: 'mkdir', code: `install -d -m 0700 '${runDir}'` });
    expect(run(saveCopiesCommand(runDir, copies)).exitCode).toBe(0);
    expect(statSync(join(runDir, 'copy.0.rootkeystore.db')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(runDir, 'copy.1.localkeystore.db.absent'))).toBe(true);
    expect(compare()).toEqual({ [store]: 'same', [missing]: 'same' });

    // What askmscli does: new bytes in the store, a keystore where there was none; and a mode change.
    writeFileSync(store, Buffer.from([9, 9]));
    run({ label: 'make', code: `mkdir -p '${dir}/home' && echo new > '${missing}'` });
    expect(compare()).toEqual({ [store]: 'differs', [missing]: 'differs' });
    for (const copy of copies) expect(run(putBackCopyCommand(runDir, copy)).exitCode).toBe(0);
    expect(readFileSync(store)).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(existsSync(missing)).toBe(false);
    expect(compare()).toEqual({ [store]: 'same', [missing]: 'same' });

    chmodSync(store, 0o644);
    expect(compare()[store]).toBe('differs');
    expect(run(putBackCopyCommand(runDir, copies[0]!)).exitCode).toBe(0);
    expect(statSync(store).mode & 0o777).toBe(0o600);
    expect(compare()[store]).toBe('same');
  });

  it('puts a user\'s store back only from a copy that user owns (a root-owned file renamed into its place is not written back as root\'s)', () => {
    const code = putBackCopyCommand(runDir, { path: '~xfer/.aspera/localkeystore.db', saved: copyName(3, 'localkeystore.db') }).code;
    expect(code).toContain(`[ "$1" = 'xfer' ] || { exec 3<&-; echo "refused $src: owned by $1, not "'xfer'; exit 1; }`);
    // A copy of root's own store goes back as root's.
    expect(putBackCopyCommand(runDir, copies[0]!).code).toContain(`[ "$1" = 'root' ] ||`);
  });

  it('says when there is no copy: unsaved, and putting it back fails naming the file', () => {
    const lost: SavedCopy = { path: store, saved: 'copy.9.rootkeystore.db' };
    const probe = copiesProbe(runDir, [lost]);
    expect(probe.parse(run(probe.command)).get(store)).toBe('unsaved');
    const putBack = run(putBackCopyCommand(runDir, lost));
    expect(putBack.exitCode).toBe(1);
    expect(putBack.output).toContain(`no copy of ${store} was saved in ${runDir}`);
    expect(probe.parse(undefined).get(store)).toBe('unsaved');
  });

  it('puts back through no symlink its user put at the path (the file it points to stays as it was)', () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious');
    rmSync(store);
    symlinkSync(victim, store);
    expect(compare()[store]).toBe('differs');
    expect(run(putBackCopyCommand(runDir, copies[0]!)).exitCode).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(readFileSync(store)).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(lstatSync(store).isSymbolicLink()).toBe(false);
    expect(readdirSync(dir).filter((name) => name.includes('hsts-cluster'))).toEqual([]);
  });

  it.each([
    ['a symlink to a root-only file', (p: string) => symlinkSync('/etc/shadow', p), 'a symlink'],
    ['a symlink to /dev/zero', (p: string) => symlinkSync('/dev/zero', p), 'a symlink'],
    ['a FIFO', (p: string) => spawnSync('mkfifo', [p]), 'not a regular file (fifo)'],
  ])('refuses to copy a store that is %s, naming it; the copy is not made', (_name, plant, why) => {
    const sub = mkdtempSync(join(dir, 'hostile-'));
    const planted = join(sub, 'localkeystore.db');
    plant(planted);
    const one: SavedCopy[] = [{ path: planted, saved: copyName(0, planted) }];
    const result = run(saveCopiesCommand(runDir, one));
    expect(result.exitCode).toBe(1);
    expect(result.output.trim()).toBe(`refused ${planted}: ${why}`);
    expect(existsSync(join(runDir, copyName(0, planted)))).toBe(false);
  });

  it('reads no store through a directory link to another account\'s directory (~USER/.aspera -> another user\'s): no copy, and it differs', () => {
    const other = mkdtempSync(join(dir, 'other-'));
    writeFileSync(join(other, 'localkeystore.db'), 'another account\'s store');
    chownSync(other, 4242, 4242);
    const home = mkdtempSync(join(dir, 'home-'));
    symlinkSync(other, join(home, '.aspera'));
    const through = join(home, '.aspera', 'localkeystore.db');
    const one: SavedCopy[] = [{ path: through, saved: copyName(0, through) }];
    const result = run(saveCopiesCommand(runDir, one));
    expect(result.exitCode).toBe(1);
    expect(result.output).toContain(`${join(home, '.aspera')} is UNKNOWN's, not root's`);
    expect(existsSync(join(runDir, copyName(0, through)))).toBe(false);
    writeFileSync(join(runDir, copyName(0, through)), 'another account\'s store');
    chmodSync(join(runDir, copyName(0, through)), 0o644);
    const probe = copiesProbe(runDir, one);
    expect(probe.parse(run(probe.command)).get(through)).toBe('differs');
    rmSync(join(runDir, copyName(0, through)));
  });

  it('stops at the first copy that fails: no later copy is made under another file\'s name', () => {
    const sub = join(dir, 'fail');
    mkdirSync(sub);
    const run2 = join(sub, 'run');
    run({ label: 'mkdir', code: `install -d -m 0700 '${run2}'` });
    // A name of 250 bytes is a file; "copy.0." before it is longer than a name may be: its copy fails.
    const long = join(sub, 'k'.repeat(250));
    writeFileSync(long, 'the long one');
    const fine = join(sub, 'fine.db');
    writeFileSync(fine, 'fine');
    const two: SavedCopy[] = [{ path: long, saved: copyName(0, long) }, { path: fine, saved: copyName(1, fine) }];
    expect(run(saveCopiesCommand(run2, two)).exitCode).not.toBe(0);
    const second = join(run2, copyName(1, fine));
    expect(existsSync(second) ? readFileSync(second, 'utf8') : 'not made').toBe('not made');
  });

  it('matches answers by index: a stray line shifts nothing', () => {
    const probe = copiesProbe(runDir, copies);
    const parsed = probe.parse({ label: 'compare', exitCode: 0, durationMs: 0, output: `stat: cannot statx: No such file\n1 differs\n0 same\n` });
    expect(Object.fromEntries(parsed)).toEqual({ [store]: 'same', [missing]: 'differs' });
  });

  it('leaves ~USER/ for the node\'s shell to expand, in every command', () => {
    const home: SavedCopy = { path: '~xfer/localkeystore.db', saved: 'copy.0.localkeystore.db' };
    for (const code of [saveCopiesCommand(runDir, [home]).code, putBackCopyCommand(runDir, home).code, copiesProbe(runDir, [home]).command.code]) {
      expect(code).toContain("f=~xfer/'localkeystore.db'");
    }
    expect(putBackCopyCommand(runDir, home).code).toContain("dst=~xfer/'localkeystore.db'");
  });
});
