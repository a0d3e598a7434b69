import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HSTS } from '../../src/hsts/paths.js';
import { addNodeUser, deleteNodeUser, listNodeUsers, localDatabasePorts, parseNodeUserNames, verifyLeftovers } from '../../src/remote/asnodeadmin.js';
import { onceSucceeded } from '../../src/remote/compose.js';
import { listenersOwnedCode } from '../../src/remote/listener-guard.js';
import { BATCH_PATH, parseBatchOutput, renderBatch, type RemoteCommand } from '../../src/ssh/remote-script.js';
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

const cluster = { redisPort: 31415, sentinelPort: 41415, redisPassword: new Secret('pw'), nodedUser: 'asperadaemon' };
const ports = localDatabasePorts(cluster, { privateIp: '172.20.0.2' });
const guard = listenersOwnedCode(ports);

/**
 * Stand-ins for the node: `ss` prints $SS_LINE for the port it is asked about when it is $SS_PORT,
 * `id` knows asperadaemon (999) and mallory (1500), and asnodeadmin says it ran.
 */
const tools = mkdtempSync(join(tmpdir(), 'hsts-asnodeadmin-'));
writeFileSync(join(tools, 'ss'), '#!/bin/bash\n[[ "$*" == *":$SS_PORT"* ]] && [ -n "${SS_LINE:-}" ] && printf "%s\\n" "$SS_LINE"; true\n', { mode: 0o755 });
writeFileSync(join(tools, 'id'), '#!/bin/bash\ncase "$*" in "-u asperadaemon") echo 999;; "-u root") echo 0;; "-nu 1500") echo mallory;; *) exit 1;; esac\n', { mode: 0o755 });
writeFileSync(join(tools, 'find'), '#!/bin/bash\ntrue\n', { mode: 0o755 });
const ran = join(tools, 'ran');
writeFileSync(join(tools, 'asnodeadmin'), `#!/bin/bash\necho "asnodeadmin ran: $*" | tee -a ${ran}\n`, { mode: 0o755 });
afterAll(() => rmSync(tools, { recursive: true, force: true }));

function runOnNode(command: RemoteCommand, ssPort = '', ssLine = '') {
  const local = { ...command, code: command.code.replaceAll(HSTS.asnodeadmin, join(tools, 'asnodeadmin')) };
  const batch = renderBatch([local], 'run-all');
  const script = batch.script.replace(`PATH=${BATCH_PATH};`, `PATH=${tools}:${BATCH_PATH};`);
  const env = { ...process.env, SS_PORT: ssPort, SS_LINE: ssLine };
  return parseBatchOutput([local], spawnSync('bash', ['-c', script], { input: batch.stdin, env }).stdout)[0]!;
}

describe('remote/asnodeadmin', () => {
  it.each([
    ['list', listNodeUsers(ports), { label: 'asnodeadmin -l', code: `${guard} || exit 1\n/opt/aspera/bin/asnodeadmin -l` }],
    ['delete', deleteNodeUser(ports, 'hsts-verify-1'), { label: 'asnodeadmin -du hsts-verify-1', code: `${guard} || exit 1\n/opt/aspera/bin/asnodeadmin -du 'hsts-verify-1'` }],
    ['clean up', deleteNodeUser(ports, 'u', { quiet: true }), { label: 'asnodeadmin -du u (clean-up)', code: `${guard} || exit 1\n/opt/aspera/bin/asnodeadmin -du 'u' >/dev/null 2>&1; true` }],
  ])('%s', (_name, command, expected) => {
    expect(command).toEqual(expected);
  });

  it('checks this node\'s Sentinel, then its Redis, each held by its unit or the noded user', () => {
    expect(ports.map((p) => `${p.ip}:${p.port} ${p.owner.unit} ${p.owner.user}`)).toEqual([
      '172.20.0.2:41415 asperaredissentinel asperadaemon', '172.20.0.2:31415 asperaredisd asperadaemon',
    ]);
  });

  // asnodeadmin sends the Redis password to the Sentinels of aspera.conf's db_host and to the Redis
  // they name: another account holding this node's port (while Sentinel or Redis restarts) gets nothing.
  const foreign = (port: number) => `LISTEN 0 511 0.0.0.0:${port} 0.0.0.0:* uid:1500 ino:77 sk:2 <->`;
  const own = (port: number) => `LISTEN 0 511 0.0.0.0:${port} 0.0.0.0:* uid:999 ino:77 sk:2 <->`;
  it.each([
    ['list', listNodeUsers(ports)],
    ['add', addNodeUser(ports, 'hsts-cluster-verify-1', 'asperadaemon', new Secret('pw'))],
    ['delete', deleteNodeUser(ports, 'hsts-cluster-verify-1')],
    ['clean up', deleteNodeUser(ports, 'hsts-cluster-verify-1', { quiet: true })],
  ])('%s: asnodeadmin does not run while another account holds the Sentinel or Redis port; it runs when the noded user does', (_name, command) => {
    for (const port of ['41415', '31415']) {
      rmSync(ran, { force: true });
      const refused = runOnNode(command, port, foreign(Number(port)));
      expect(refused.exitCode).toBe(1);
      expect(refused.output).toContain(`port ${port} is held by pid ? (?) as user mallory`);
      expect(existsSync(ran)).toBe(false);
      expect(runOnNode(command, port, own(Number(port))).exitCode).toBe(0);
      expect(readFileSync(ran, 'utf8')).toContain('asnodeadmin ran');
    }
  });

  it('adds a user with its password on stdin: never in the label, the code or the script (argv)', () => {
    const command = addNodeUser(ports, 'hsts-cluster-verify-1', 'asperadaemon', new Secret('r4nd0m-pw'));
    expect(command.label).toBe('asnodeadmin -au hsts-cluster-verify-1 -x asperadaemon (password on stdin)');
    expect(command.code).toContain("/opt/aspera/bin/asnodeadmin -au 'hsts-cluster-verify-1' -x 'asperadaemon'");
    expect(command.code.split('\n').filter((l) => l.includes('asnodeadmin')).join('\n')).not.toMatch(/ -p /);
    const batch = renderBatch([command], 'run-all');
    expect(batch.script).not.toContain('r4nd0m-pw');
    expect(Buffer.concat(batch.inputs).toString()).toContain('r4nd0m-pw');
  });

  it.each([
    ['root', /root has uid 0: a Node API user mapped to it would act as root/],
    ['no-such-account-hsts', /no account no-such-account-hsts on this node/],
  ])('refuses to map a Node API user to %s, before asnodeadmin runs', (osUser, message) => {
    const result = run(addNodeUser(ports, 'hsts-cluster-verify-1', osUser, new Secret('pw')));
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
