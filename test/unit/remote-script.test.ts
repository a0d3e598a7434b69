import { spawnSync } from 'node:child_process';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseBatchOutput, renderBatch, wrapForPrivilege, type BatchMode, type RemoteCommand } from '../../src/ssh/remote-script.js';
import { Secret } from '../../src/util/secret.js';

/** Runs a batch with the local bash, as sshd would run it on a node. */
function runLocally(commands: RemoteCommand[], mode: BatchMode, stdinPrefix = '', inOrderFirst = 0) {
  const batch = renderBatch(commands, mode, inOrderFirst);
  const r = spawnSync('bash', ['-c', batch.script], { input: Buffer.concat([Buffer.from(stdinPrefix), batch.stdin]) });
  return { exitCode: r.status, results: parseBatchOutput(commands, r.stdout.toString()), script: batch.script };
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

  it('runs everything in run-all mode', () => {
    const r = runLocally([{ label: 'a', code: 'false' }, { label: 'b', code: 'echo b' }], 'run-all');
    expect(r.results.map((x) => [x.label, x.exitCode])).toEqual([['a', 1], ['b', 0]]);
  });

  it('skips a sudo password line that sudo did not read (NOPASSWD), and only that line', () => {
    const commands = [{ label: 'x', code: 'cat "$IN/x"', inputs: { x: 'X' } }];
    expect(runLocally(commands, 'run-all', 'sudo-password\n').results[0]?.output).toBe('X');
    expect(runLocally(commands, 'run-all', 'one\ntwo\n').exitCode).toBe(92);
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
