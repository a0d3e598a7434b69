import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NOT_RUN_UNTRUSTED, onlyIfProgramsTrusted, trustedProgramsCheck, trustedProgramsRefusal, untrustedProgramsCode, untrustedProgramsProblem } from '../../src/remote/trusted-programs.js';

/**
 * The check run before IBM's programs run as root, run by bash on a scratch tree. The tree belongs
 * to the test's user: run as root (as the suite is), its components are root's and pass; the
 * cases that must fail are made with a mode that lets others write or with another owner.
 */
describe('untrustedProgramsCode', () => {
  const root = mkdtempSync(join(tmpdir(), 'hsts-programs-'));
  chmodSync(root, 0o755);
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const run = (programs: string[]) => execFileSync('bash', ['-c', `set -u\n${untrustedProgramsCode(programs)}\necho "trusted=$programs_trusted"`], { encoding: 'utf8', timeout: 20_000 })
    .split('\n').filter(Boolean);
  const make = (dir: string, name: string, mode = 0o755) => {
    mkdirSync(join(root, dir), { recursive: true, mode: 0o755 });
    const path = join(root, dir, name);
    writeFileSync(path, '#!/bin/sh\n', { mode });
    chmodSync(path, mode);
    return path;
  };
  const isRoot = process.getuid?.() === 0;

  it.runIf(isRoot)('passes root-owned programs in root-owned directories nobody else can write', () => {
    const program = make('ok/bin', 'asredis');
    expect(run([program])).toEqual(['trusted=yes']);
  });

  it('names a program others can write', () => {
    const program = make('w/bin', 'askmscli', 0o777);
    expect(run([program])).toContain(`untrusted=${program}|${process.getuid?.()}|777|regular file`);
    expect(run([program]).at(-1)).toBe('trusted=no');
  });

  it('names a directory on the way that others can write', () => {
    const program = make('wd/bin', 'asnodeadmin');
    chmodSync(join(root, 'wd', 'bin'), 0o777);
    expect(run([program])).toContain(`untrusted=${join(root, 'wd', 'bin')}|${process.getuid?.()}|777|directory`);
  });

  it('follows a link to where the program really is and judges that path too', () => {
    const target = make('real/bin', 'asconfigurator');
    chmodSync(join(root, 'real'), 0o777);
    mkdirSync(join(root, 'linked'), { recursive: true, mode: 0o755 });
    const link = join(root, 'linked', 'asconfigurator');
    symlinkSync(target, link);
    const lines = run([link]);
    expect(lines).toContain(`untrusted=${join(root, 'real')}|${process.getuid?.()}|777|directory`);
    expect(lines.filter((l) => l.startsWith(`untrusted=${link}|`))).toEqual([]);
  });

  // Every link on the way is followed one level at a time, and where it points judged in turn:
  // a link in a directory another account can write is a program that account can re-point.
  const dir = (path: string, mode = 0o755) => {
    mkdirSync(join(root, path), { recursive: true, mode: 0o755 });
    chmodSync(join(root, path), mode);
    return join(root, path);
  };
  const uid = process.getuid?.();

  it('judges a link in the middle of the chain: the directory holding it must not be writable by others', () => {
    const target = make('hop/product', 'asredis');
    const middle = join(dir('hop/var/x', 0o777), 'asredis');
    symlinkSync(target, middle);
    const link = join(dir('hop/bin'), 'asredis');
    symlinkSync(middle, link);
    const lines = run([link]);
    expect(lines).toContain(`untrusted=${join(root, 'hop/var/x')}|${uid}|777|directory`);
    expect(lines.at(-1)).toBe('trusted=no');
  });

  it('follows a relative link from the directory that holds it', () => {
    make('rel/real', 'asredis');
    dir('rel/lib', 0o777);
    symlinkSync('../real/asredis', join(root, 'rel/lib/asredis'));
    const link = join(dir('rel/bin'), 'asredis');
    symlinkSync('../lib/asredis', link);
    const lines = run([link]);
    // Named as the kernel walks it: through the link's directory.
    expect(lines).toContain(`untrusted=${join(root, 'rel/bin')}/../lib|${uid}|777|directory`);
    expect(lines.at(-1)).toBe('trusted=no');
  });

  it('refuses a loop of links, and a chain that grows without end, after 40 links: no hang', () => {
    const a = join(dir('loop/bin'), 'asredis');
    symlinkSync(join(root, 'loop/bin/other'), a);
    symlinkSync('asredis', join(root, 'loop/bin/other'));
    const grows = join(root, 'loop/bin/asnodeadmin');
    symlinkSync('../bin/asnodeadmin', grows);
    const lines = run([a, grows]);
    expect(lines).toContain(`untrusted=${a}|||too many links`);
    expect(lines).toContain(`untrusted=${grows}|||too many links`);
    expect(lines.at(-1)).toBe('trusted=no');
  });

  it.runIf(isRoot)('passes an honest chain of links, absolute and relative, through root-owned directories', () => {
    make('chain/real-opt/product', 'asredis');
    symlinkSync('real-opt', join(root, 'chain/opt'));
    dir('chain/var');
    symlinkSync(join(root, 'chain/opt/product/asredis'), join(root, 'chain/var/asredis'));
    const link = join(dir('chain/real-opt/bin'), 'asredis');
    symlinkSync('../../var/asredis', link);
    expect(run([join(root, 'chain/opt/bin/asredis')])).toEqual(['trusted=yes']);
    expect(run([join(root, 'chain/opt/bin/absent')])).toEqual(['trusted=yes']);
  });

  it('runs no process but stat when there is no link on the way', () => {
    const program = make('nolink/bin', 'asredis');
    const stubs = dir('nolink/stubs');
    const log = join(root, 'nolink/ran');
    writeFileSync(join(stubs, 'readlink'), `#!/bin/sh\necho readlink >> ${log}\nexit 1\n`, { mode: 0o755 });
    execFileSync('bash', ['-c', `PATH=${stubs}:$PATH\n${untrustedProgramsCode([program])}`], { encoding: 'utf8' });
    expect(() => execFileSync('cat', [log], { stdio: 'pipe' })).toThrow();
  });

  it('judges the directories of a program that is not there: another account could put one in after the check', () => {
    expect(run([join(root, 'absent', 'asredis')])).toEqual(['trusted=yes']);
    mkdirSync(join(root, 'emptied', 'bin'), { recursive: true, mode: 0o755 });
    chmodSync(join(root, 'emptied', 'bin'), 0o777);
    const lines = run([join(root, 'emptied', 'bin', 'asredis')]);
    expect(lines).toContain(`untrusted=${join(root, 'emptied', 'bin')}|${process.getuid?.()}|777|directory`);
    expect(lines.at(-1)).toBe('trusted=no');
  });

  it('reads a name holding "|" as a name: it cannot pose as the owner and mode fields', () => {
    const dir = join(root, 'x|0|755|regular file');
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    chmodSync(dir, 0o777);
    const program = join(dir, 'asredis');
    writeFileSync(program, '#!/bin/sh\n', { mode: 0o755 });
    const lines = run([program]);
    expect(lines).toContain(`untrusted=${dir}|${process.getuid?.()}|777|directory`);
    expect(lines.at(-1)).toBe('trusted=no');
  });
});

describe('untrustedProgramsProblem', () => {
  it.each([
    { lines: [], want: null },
    {
      lines: ['/opt/aspera/bin|998|755|directory'],
      want: 'hsts-cluster runs asconfigurator, askmscli, asnodeadmin, asredis as root, and another account could replace them: ' +
        '/opt/aspera/bin (directory: owned by uid 998). Make each of these root\'s alone (chown root:root PATH; chmod go-w PATH), as IBM\'s installer leaves them',
    },
    {
      lines: ['/opt/aspera/bin/asredis|0|775|regular file'],
      want: 'hsts-cluster runs asconfigurator, askmscli, asnodeadmin, asredis as root, and another account could replace them: ' +
        '/opt/aspera/bin/asredis (regular file: mode 775 lets others write it). Make each of these root\'s alone (chown root:root PATH; chmod go-w PATH), as IBM\'s installer leaves them',
    },
    {
      lines: ['/opt/aspera/bin/asredis|||too many links'],
      want: 'hsts-cluster runs asconfigurator, askmscli, asnodeadmin, asredis as root, and another account could replace them: ' +
        '/opt/aspera/bin/asredis (too many links: more than 40 links to follow, or a loop). Make each of these root\'s alone (chown root:root PATH; chmod go-w PATH), as IBM\'s installer leaves them',
    },
  ])('$lines', ({ lines, want }) => {
    expect(untrustedProgramsProblem(lines)).toBe(want);
  });
});

describe('trustedProgramsRefusal: the check every command but the playbooks runs as it connects', () => {
  it.each([
    { name: 'trusted', output: 'programs_trusted=yes\n', want: null },
    { name: 'a directory of another account', output: 'untrusted=/opt/aspera/bin|998|755|directory\nprograms_trusted=no\n', want: /another account could replace them: \/opt\/aspera\/bin \(directory: owned by uid 998\)/ },
    { name: 'no answer: refused, not trusted', output: undefined, want: /could not check who may replace IBM's programs: no answer/ },
    { name: 'a cut answer: refused', output: 'untrusted=/opt', want: /another account could replace them: \/opt/ },
    { name: 'an error instead of an answer', output: 'bash: stat: command not found\n', want: /could not check .*stat: command not found/ },
  ])('$name', ({ output, want }) => {
    const got = trustedProgramsRefusal(output);
    if (want === null) expect(got).toBeNull();
    else expect(got).toMatch(want);
  });

  it('runs the same check as pre-flight, and says whether it passed', () => {
    const command = trustedProgramsCheck();
    expect(command.code).toContain(untrustedProgramsCode());
    expect(command.code).toContain('echo "programs_trusted=$programs_trusted"');
  });
});

describe('onlyIfProgramsTrusted: a command that runs an IBM program only once the check passes, in the same command', () => {
  const root = mkdtempSync(join(tmpdir(), 'hsts-guarded-'));
  chmodSync(root, 0o755);
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const program = (dir: string, mode: number) => {
    mkdirSync(join(root, dir), { recursive: true, mode: 0o755 });
    chmodSync(join(root, dir), mode);
    const path = join(root, dir, 'asredis');
    writeFileSync(path, `#!/bin/sh\ntouch ${join(root, dir, 'ran')}\n`, { mode: 0o755 });
    return path;
  };
  const run = (code: string) => {
    try {
      return { status: 0, out: execFileSync('bash', ['-c', code], { encoding: 'utf8' }) };
    } catch (e) {
      const err = e as { status: number; stdout: string };
      return { status: err.status, out: err.stdout };
    }
  };
  const isRoot = process.getuid?.() === 0;

  it('does not run the program when a directory on its way lets others write, and says so', () => {
    const p = program('open/bin', 0o777);
    const r = run(onlyIfProgramsTrusted(`${p}; echo ran`, [p]));
    expect(r).toEqual({ status: 1, out: `${NOT_RUN_UNTRUSTED}\n` });
    expect(run(`ls ${join(root, 'open/bin/ran')} 2>&1`).out).toMatch(/No such file/);
  });

  it.runIf(isRoot)('runs it when only root can replace it, printing only what it prints', () => {
    const p = program('closed/bin', 0o755);
    expect(run(onlyIfProgramsTrusted(`${p}; echo ran`, [p]))).toEqual({ status: 0, out: 'ran\n' });
  });
});
