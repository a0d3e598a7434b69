import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { batchStdin, definedOnce, frameResult, parseBatchOutput, renderBatch, sharedFunction, wrapForPrivilege, type BatchMode, type RemoteCommand } from '../../src/ssh/remote-script.js';
import { Secret } from '../../src/util/secret.js';

/** Runs a batch with the local bash, as sshd would run it on a node. */
function runLocally(commands: RemoteCommand[], mode: BatchMode, stdinPrefix = '', inOrderFirst = 0) {
  const batch = renderBatch(commands, mode, inOrderFirst);
  const r = spawnSync('bash', ['-c', batch.script], { input: Buffer.concat([Buffer.from(stdinPrefix), batch.stdin]), maxBuffer: 64 << 20 });
  return { exitCode: r.status, results: parseBatchOutput(commands, r.stdout), script: batch.script };
}

describe('remote batches', () => {
  const secret = new Secret('p4ss "word" with spaces');

  it('hands inputs over byte for byte, never in the script text', () => {
    const binary = Buffer.from([0, 1, 2, 255, 10, 13]);
    const r = runLocally([
      { label: 'secret', code: 'cat "$IN/pw"', inputs: { pw: secret } },
      { label: 'binary', code: 'od -An -tx1 "$IN/b" | tr -s " "', inputs: { b: binary } },
    ], 'run-all');
    expect(r.results.map((x) => x.output)).toEqual(['p4ss "word" with spaces', ' 00 01 02 ff 0a 0d']);
    expect(r.script).not.toContain('p4ss');
  });

  it('defines a shared function once, before the commands, and every command that carried it still has it', () => {
    const greet = sharedFunction('__greet() {\n  echo "hello $1"\n}');
    const commands: RemoteCommand[] = [
      { label: 'one', code: `${greet}\n__greet one` },
      { label: 'two', code: `${greet}\n__greet two` },
      { label: 'plain', code: 'type -t __greet' },
    ];
    for (const mode of ['run-all', 'parallel'] as const) {
      const r = runLocally(commands, mode);
      expect(r.results.map((x) => x.output)).toEqual(['hello one', 'hello two', 'function']);
      expect(r.script.split(greet).length - 1).toBe(1);
      expect(r.script.indexOf(greet)).toBeLessThan(r.script.indexOf('c0() {'));
    }
  });

  it.each(['echo not a function', '__f() { echo one line; }', 'f() {\n  :\n}'])('refuses to share what is not one __function definition: %s', (text) => {
    expect(() => sharedFunction(text)).toThrow(/not one bash function definition/);
  });

  it('stops at the first failure and reports it with its output', () => {
    const r = runLocally([
      { label: 'one', code: 'echo one' },
      { label: 'two', code: 'echo broken >&2; exit 3' },
      { label: 'three', code: 'touch /tmp/should-not-run' },
    ], 'stop-on-error');
    expect(r.results.map(({ label, exitCode, output }) => ({ label, exitCode, output }))).toEqual([
      { label: 'one', exitCode: 0, output: 'one' },
      { label: 'two', exitCode: 3, output: 'broken' },
    ]);
    expect(r.results.every((x) => Number.isInteger(x.durationMs) && x.durationMs >= 0)).toBe(true);
  });

  it('runs read-only probes at once in parallel mode, and reports them in order', () => {
    // The first waits (bounded) for a file the last creates: that only works when they run together.
    const r = runLocally([
      { label: 'waits', code: 'for i in $(seq 1 50); do [ -e "$IN/../flag" ] && { echo saw it; exit 0; }; sleep 0.1; done; exit 1' },
      { label: 'fails', code: 'exit 4' },
      { label: 'creates', code: 'touch "$IN/../flag"; echo made it' },
    ], 'parallel');
    expect(r.results.map((x) => [x.label, x.exitCode, x.output])).toEqual([['waits', 0, 'saw it'], ['fails', 4, ''], ['creates', 0, 'made it']]);
  });

  it('lets the leading commands of a parallel batch end before the probes start', () => {
    // Run together, the leader writes only after the probe has read (bounded wait): no timing guess.
    const flag = { label: 'leader', code: 'for i in $(seq 1 5); do [ -e "$IN/../probed" ] && break; sleep 0.1; done; echo late > "$IN/../flag"' };
    const probe = { label: 'probe', code: 'out=$(cat "$IN/../flag" 2>/dev/null || echo nothing); touch "$IN/../probed"; echo "$out"' };
    expect(runLocally([flag, probe], 'parallel', '', 1).results.map((x) => x.output)).toEqual(['', 'late']);
    expect(runLocally([flag, probe], 'parallel').results.map((x) => x.output)).toEqual(['', 'nothing']);
  });

  it('hands outputs back byte for byte: multibyte text, the frame marker itself, blank lines, a megabyte', () => {
    const r = runLocally([
      { label: 'utf8', code: 'printf "caf\\303\\251 \\342\\202\\254\\n\\nend"' },
      { label: 'marker', code: 'printf "a\\036b\\n\\0362 0 0 99\\nc"' },
      { label: 'empty', code: 'true' },
      { label: 'big', code: 'head -c 1048576 /dev/zero | tr "\\0" x; echo; echo tail' },
      { label: 'last', code: 'echo last' },
    ], 'run-all');
    expect(r.results.map((x) => x.label)).toEqual(['utf8', 'marker', 'empty', 'big', 'last']);
    expect(r.results[0]!.output).toBe('café €\n\nend');
    expect(r.results[1]!.output).toBe('a\x1eb\n\x1e2 0 0 99\nc');
    expect(r.results[2]!.output).toBe('');
    expect(r.results[3]!.output).toBe(`${'x'.repeat(1048576)}\ntail`);
    expect(r.results[4]!.output).toBe('last');
  });

  it('works in a bash without EPOCHREALTIME (4.x, as on RHEL 7 and 8): times are then 0', () => {
    const batch = renderBatch([{ label: 'a', code: 'echo a' }, { label: 'b', code: 'exit 2' }], 'run-all');
    const r = spawnSync('bash', ['-c', `unset EPOCHREALTIME\n${batch.script}`], { input: batch.stdin });
    expect(parseBatchOutput([{ label: 'a', code: '' }, { label: 'b', code: '' }], r.stdout).map((x) => [x.exitCode, x.durationMs, x.output])).toEqual([[0, 0, 'a'], [2, 0, '']]);
  });

  it('leaves out a frame cut short, and what is between frames', () => {
    const commands = [{ label: 'a', code: '' }, { label: 'b', code: '' }];
    const whole = Buffer.concat([Buffer.from('noise\n'), frameResult(0, 0, 5, 'one\ntwo'), Buffer.from('more noise\n'), frameResult(1, 3, 7, 'three')]);
    expect(parseBatchOutput(commands, whole).map((x) => [x.label, x.exitCode, x.durationMs, x.output])).toEqual([['a', 0, 5, 'one\ntwo'], ['b', 3, 7, 'three']]);
    expect(parseBatchOutput(commands, whole.subarray(0, whole.length - 3)).map((x) => x.label)).toEqual(['a']);
  });

  it('runs everything in run-all mode', () => {
    const r = runLocally([{ label: 'a', code: 'false' }, { label: 'b', code: 'echo b' }], 'run-all');
    expect(r.results.map((x) => [x.label, x.exitCode])).toEqual([['a', 1], ['b', 0]]);
  });

  it('skips a sudo password line that sudo did not read (NOPASSWD), and only that line', () => {
    const commands = [{ label: 'x', code: 'cat "$IN/x"', inputs: { x: 'X' } }];
    expect(runLocally(commands, 'run-all', 'sudo-password\n').results[0]?.output).toBe('X');
    expect(runLocally(commands, 'run-all', 'one\ntwo\n').exitCode).toBe(92);
  });

  it('needs no stdin without inputs: it reads none, and no command can read what is left there', () => {
    const commands = [{ label: 'reads stdin', code: 'cat; echo done' }, { label: 'plain', code: 'echo plain' }];
    const batch = renderBatch(commands, 'run-all');
    expect(batch.stdin.length).toBe(0);
    expect(batch.inputs).toEqual([]);
    expect(batch.script).not.toContain('read -r');
    // No stdin at all (EOF at once), or a sudo password line sudo left unread: the commands see nothing.
    expect(runLocally(commands, 'run-all').results.map((x) => x.output)).toEqual(['done', 'plain']);
    const left = runLocally(commands, 'run-all', 'sudo-password\n');
    expect(left.exitCode).toBe(0);
    expect(left.results.map((x) => x.output)).toEqual(['done', 'plain']);
  });

  it('sends the marker and one line per input when there are inputs', () => {
    const batch = renderBatch([{ label: 'x', code: 'cat "$IN/x"', inputs: { x: 'X' } }, { label: 'y', code: 'true' }], 'run-all');
    expect(batch.stdin.toString()).toBe(`hsts-cluster-inputs\n${Buffer.from('X').toString('base64')}\n`);
  });

  it('runs as root directly, through sudo -n, or sudo -S with the password first on stdin', () => {
    expect(wrapForPrivilege('id', 'root', undefined).command).toBe("bash -c 'id' 'hsts-cluster'");
    expect(wrapForPrivilege("echo 'a'", 'ops', undefined, 'hsts-cluster:r1').command).toBe("sudo -n -- bash -c 'echo '\\''a'\\''' 'hsts-cluster:r1'");
    const withPassword = wrapForPrivilege('id', 'ops', secret);
    expect(withPassword.command).toBe("sudo -S -p '' -- bash -c 'id' 'hsts-cluster'");
    expect(withPassword.command).not.toContain('p4ss');
    expect(withPassword.stdinPrefix.toString()).toBe('p4ss "word" with spaces\n');
  });
});

describe('the PATH a batch runs with', () => {
  it('is root\'s own directories, whatever PATH the login gave: a `stat` planted in a directory another account can write is not run', () => {
    const planted = mkdtempSync(join(tmpdir(), 'hsts-path-'));
    try {
      writeFileSync(join(planted, 'stat'), '#!/bin/sh\necho PLANTED\n');
      chmodSync(join(planted, 'stat'), 0o755);
      const command: RemoteCommand = { label: 'which stat', code: 'echo "$PATH"; stat -c %F /' };
      const batch = renderBatch([command], 'run-all');
      const r = spawnSync('bash', ['-c', batch.script], { env: { ...process.env, PATH: `.:${planted}:${process.env.PATH ?? ''}` }, cwd: planted });
      const [result] = parseBatchOutput([command], r.stdout);
      expect(result?.output).toBe('/usr/sbin:/usr/bin:/sbin:/bin\ndirectory');
    } finally {
      rmSync(planted, { recursive: true, force: true });
    }
  });
});

describe('Secret', () => {
  it('prints as *** however it is printed', () => {
    const s = new Secret('hunter2');
    expect(String(s)).toBe('***');
    // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- the point of the test
    expect(`${s}`).toBe('***');
    expect(JSON.stringify({ s })).toBe('{"s":"***"}');
    expect(inspect(s)).toBe('***');
  });
});

describe('a batch\'s stdin', () => {
  it.each([[[]], [[0]], [[1]], [[2]], [[3]], [[4, 0, 5]], [[46_000, 1, 22_000]]])('is the marker and one base64 line per input (sizes %j)', (sizes) => {
    const inputs = sizes.map((n, i) => Buffer.alloc(n, i + 65));
    const expected = inputs.length === 0 ? '' : ['hsts-cluster-inputs', ...inputs.map((b) => b.toString('base64'))].join('\n') + '\n';
    expect(batchStdin(inputs).toString('latin1')).toBe(expected);
  });
});

describe('a command\'s shared definitions kept once', () => {
  const a = sharedFunction('__held_a() {\n  echo a\n}');
  const b = sharedFunction('__held_b() {\n  echo b\n}');
  const composed = [a, b, 'x=1', a, 'echo "$x"', b, a, '__held_a; __held_b'].join('\n');

  it('takes out each repeat and nothing else, and the batch it renders is the same', () => {
    const once = definedOnce(composed);
    expect(once.split(a).length - 1).toBe(1);
    expect(once.split(b).length - 1).toBe(1);
    expect(once.replaceAll(a, '').replaceAll(b, '')).toBe(composed.replaceAll(a, '').replaceAll(b, ''));
    for (const mode of ['stop-on-error', 'parallel'] as const) {
      expect(renderBatch([{ label: 'c', code: once }], mode).script).toBe(renderBatch([{ label: 'c', code: composed }], mode).script);
    }
    const done = spawnSync('bash', ['-c', renderBatch([{ label: 'c', code: once }], 'run-all').script], { timeout: 10_000 });
    expect(parseBatchOutput([{ label: 'c', code: once }], done.stdout)[0]).toMatchObject({ exitCode: 0, output: '1\na\nb' });
  });

  it('leaves a code with no repeat as it is', () => {
    const code = [a, 'echo one'].join('\n');
    expect(definedOnce(code)).toBe(code);
  });
});
