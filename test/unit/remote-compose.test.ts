import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { addNodeUser, deleteNodeUser, listNodeUsers, parseNodeUserNames, verifyLeftovers } from '../../src/remote/asnodeadmin.js';
import { onceSucceeded } from '../../src/remote/compose.js';
import { parseBatchOutput, renderBatch, type RemoteCommand } from '../../src/ssh/remote-script.js';
import { Secret } from '../../src/util/secret.js';

function run(command: RemoteCommand) {
  const batch = renderBatch([command], 'run-all');
  return parseBatchOutput([command], spawnSync('bash', ['-c', batch.script], { input: batch.stdin }).stdout)[0]!;
}

describe('remote/compose: onceSucceeded', () => {
  const pw = new Secret('compose-pw');
  it.each([
    ['runs the second once the first succeeded, the first one\'s output dropped', 'echo checked', 0, 'done'],
    ['fails with the first, without running the second', 'echo not yet; false', 1, ''],
    ['ends with the first one\'s own exit', 'exit 3', 3, ''],
  ])('%s', (_name, firstCode, exitCode, output) => {
    const command = onceSucceeded({ label: 'check', code: firstCode, inputs: { pw } }, { label: 'restore', code: 'echo done', inputs: { pw } });
    expect(command.label).toBe('restore');
    expect(command.inputs).toEqual({ pw });
    expect(run(command)).toMatchObject({ exitCode, output });
  });

  it('refuses two different values under one input name', () => {
    expect(() => onceSucceeded({ label: 'a', code: 'true', inputs: { pw } }, { label: 'b', code: 'true', inputs: { pw: new Secret('other') } }))
      .toThrow(/input pw differs/);
  });

  it('keeps inputs of both, and none when neither has any', () => {
    expect(onceSucceeded({ label: 'a', code: 'true', inputs: { x: 'X' } }, { label: 'b', code: 'true', inputs: { y: 'Y' } }).inputs).toEqual({ x: 'X', y: 'Y' });
    expect(onceSucceeded({ label: 'a', code: 'true' }, { label: 'b', code: 'true' })).not.toHaveProperty('inputs');
  });
});

describe('remote/asnodeadmin', () => {
  it.each([
    ['list', listNodeUsers(), { label: 'asnodeadmin -l', code: '/opt/aspera/bin/asnodeadmin -l' }],
    ['delete', deleteNodeUser('hsts-verify-1'), { label: 'asnodeadmin -du hsts-verify-1', code: "/opt/aspera/bin/asnodeadmin -du 'hsts-verify-1'" }],
    ['clean up', deleteNodeUser('u', { quiet: true }), { label: 'asnodeadmin -du u (clean-up)', code: "/opt/aspera/bin/asnodeadmin -du 'u' >/dev/null 2>&1; true" }],
  ])('%s', (_name, command, expected) => {
    expect(command).toEqual(expected);
  });

  it('adds a user with its password on stdin: never in the label, the code or the script (argv)', () => {
    const command = addNodeUser('hsts-cluster-verify-1', 'asperadaemon', new Secret('r4nd0m-pw'));
    expect(command.label).toBe('asnodeadmin -au hsts-cluster-verify-1 -x asperadaemon (password on stdin)');
    expect(command.code).toContain("/opt/aspera/bin/asnodeadmin -au 'hsts-cluster-verify-1' -x 'asperadaemon'");
    expect(command.code).not.toMatch(/ -p /);
    const batch = renderBatch([command], 'run-all');
    expect(batch.script).not.toContain('r4nd0m-pw');
    expect(Buffer.concat(batch.inputs).toString()).toContain('r4nd0m-pw');
  });

  it.each([
    ['root', /root has uid 0: a Node API user mapped to it would act as root/],
    ['no-such-account-hsts', /no account no-such-account-hsts on this node/],
  ])('refuses to map a Node API user to %s, before asnodeadmin runs', (osUser, message) => {
    const result = run(addNodeUser('hsts-cluster-verify-1', osUser, new Secret('pw')));
    expect(result.exitCode).toBe(1);
    expect(result.output).toMatch(message);
  });

  it('finds the users earlier verifies left, never its own nor anyone else\'s', () => {
    const listing = [
      'List of node user(s):',
      '                user    system/transfer user',
      '====================    ====================',
      'hsts-cluster-verify-mbx1abc123            asperadaemon',
      'hsts-cluster-verify-mine00ffee            asperadaemon',
      '        hsts-verify-0a1b2c                    root',
      '             console                        xfer',
      '  hsts-verify-notours                       xfer',
      'hsts-cluster-verify-UPPER                   xfer',
    ].join('\n');
    const names = parseNodeUserNames(listing);
    expect(names).toContain('console');
    expect(verifyLeftovers(names, 'hsts-cluster-verify-mine00ffee')).toEqual(['hsts-cluster-verify-mbx1abc123', 'hsts-verify-0a1b2c']);
  });
});
