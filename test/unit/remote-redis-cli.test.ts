import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HSTS } from '../../src/hsts/paths.js';
import { asredis, asredisCode, asredisDetached, configSet } from '../../src/remote/redis-cli.js';
import { BATCH_PATH, parseBatchOutput, renderBatch, type RemoteCommand } from '../../src/ssh/remote-script.js';
import { Secret } from '../../src/util/secret.js';
import { ANY_LISTENERS, JUDGE_ALL_TARGETS, LISTEN_ADDRESSES, TARGET } from '../support/listen-addresses.js';

const PASSWORD = 'pw "with" $(spaces) and \'quotes\'';
const target = { ip: '172.20.0.2', port: 31415, password: new Secret(PASSWORD), owner: { unit: 'asperaredisd', user: 'asperadaemon' } };

/** A stand-in for asredis that prints what it was given: its argv, and whether the password came in the environment. */
const dir = mkdtempSync(join(tmpdir(), 'remote-redis-cli-'));
const stub = join(dir, 'asredis');
writeFileSync(stub, '#!/bin/bash\nprintf "argv:%s\\n" "$*"\nprintf "auth:%s\\n" "$REDISCLI_AUTH"\n');
chmodSync(stub, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Stand-ins for what the listener check asks the node: `ss` prints $SS_LINE (one listener, or
 * none), `find` names $HOLDER_PID as the process holding the socket, `id` knows asperadaemon (999)
 * and mallory (1500), systemctl names MainPID 60.
 */
const tools = join(dir, 'bin');
mkdirSync(tools);
// Asked with -p (process names), it prints $SS_LINE_P when set: what another account's process name makes of ss's output.
writeFileSync(join(tools, 'ss'), '#!/bin/bash\nif [[ "$1" == *p* ]] && [ -n "${SS_LINE_P:-}" ]; then printf "%s\\n" "$SS_LINE_P"; elif [ -n "${SS_LINE:-}" ]; then printf "%s\\n" "$SS_LINE"; fi; true\n');
writeFileSync(join(tools, 'id'), '#!/bin/bash\ncase "$*" in "-u asperadaemon") echo 999;; "-nu 1500") echo mallory;; "-nu 0") echo root;; *) exit 1;; esac\n');
writeFileSync(join(tools, 'systemctl'), '#!/bin/bash\necho 60\n');
writeFileSync(join(tools, 'find'), '#!/bin/bash\n[ -n "${HOLDER_PID:-}" ] && echo "/proc/$HOLDER_PID/fd/3"; true\n');
for (const tool of ['ss', 'id', 'systemctl', 'find']) chmodSync(join(tools, tool), 0o755);

function runWithStub(command: RemoteCommand, ssLine = '', holderPid = '', ssLineWithNames = ''): { exitCode: number; output: string } {
  const local = { ...command, code: command.code.replaceAll(HSTS.asredis, stub) };
  const batch = renderBatch([local], 'run-all');
  // The batch sets its own PATH: the stubs go first in it, standing for the node's programs.
  const script = batch.script.replace(`PATH=${BATCH_PATH};`, `PATH=${tools}:${BATCH_PATH};`);
  expect(script).not.toBe(batch.script);
  const env = { ...process.env, SS_LINE: ssLine, HOLDER_PID: holderPid, SS_LINE_P: ssLineWithNames };
  const r = spawnSync('bash', ['-c', script], { input: batch.stdin, env });
  return parseBatchOutput([local], r.stdout)[0] ?? { exitCode: -1, output: '' };
}

describe('remote/redis-cli', () => {
  it.each([
    [['PING'], 'asredis -h 172.20.0.2 -p 31415 PING', "'PING'"],
    [['SENTINEL', 'get-master-addr-by-name', 'aspera'], 'asredis -h 172.20.0.2 -p 31415 SENTINEL get-master-addr-by-name aspera',
      "'SENTINEL' 'get-master-addr-by-name' 'aspera'"],
    [['CONFIG', 'SET', 'replica-priority', '0'], 'asredis -h 172.20.0.2 -p 31415 CONFIG SET replica-priority 0', "'CONFIG' 'SET' 'replica-priority' '0'"],
  ])('asredis %j', (args, label, quotedArgs) => {
    const command = asredis(target, args);
    expect(command.label).toBe(label);
    expect(command.code).toMatch(/^\{ __hsts_owned\(\) \{/);
    expect(command.code).toContain(`__hsts_owned '172.20.0.2' 31415 'asperadaemon' 'asperaredisd' && ` +
      `REDISCLI_AUTH=$(<"$IN/pw") timeout 5 ${HSTS.asredis} -h '172.20.0.2' -p 31415 ${quotedArgs} 2>&1; }`);
    expect(command.inputs).toEqual({ pw: target.password });
  });

  it('bounds a call in time, 5 s unless told', () => {
    expect(asredisCode(target, ['SAVE'], { timeoutS: 300 })).toContain('timeout 300 ');
  });

  it.each([
    ['asredis', asredis(target, ['INFO', 'replication'])],
    ['asredisDetached', asredisDetached(target, ['DEBUG', 'sleep', '9'])],
    ['configSet', configSet(target, 'repl-diskless-sync-delay', '0', 'replicas sync at once')],
  ])('%s: the password is an input, never in the label or the code', (_name, command) => {
    expect(command.inputs).toEqual({ pw: target.password });
    expect(`${command.label}\n${command.code}`).not.toContain(PASSWORD);
  });

  it('hands the password to asredis in REDISCLI_AUTH, not in argv', () => {
    const out = runWithStub(asredis(target, ['INFO', 'replication'])).output;
    expect(out).toBe(`argv:-h 172.20.0.2 -p 31415 INFO replication\nauth:${PASSWORD}`);
  });

  it('configSet fails unless Redis answers OK, and shows the answer', () => {
    // The stub answers with its argv, never "OK".
    const command = configSet(target, 'replica-priority', '0');
    expect(command.label).toBe('asredis CONFIG SET replica-priority 0');
    const r = runWithStub(command);
    expect(r.exitCode).toBe(1);
    expect(r.output).toContain('argv:-h 172.20.0.2 -p 31415 CONFIG SET replica-priority 0');
  });

  it('asredisDetached runs in the background with its output dropped', () => {
    const command = asredisDetached(target, ['DEBUG', 'sleep', '9']);
    expect(command.label).toBe('asredis -h 172.20.0.2 -p 31415 DEBUG sleep 9 (in the background)');
    expect(command.code).toMatch(/ \|\| exit 1; export REDISCLI_AUTH=\$\(<"\$IN\/pw"\); setsid .* >\/dev\/null 2>&1 < \/dev\/null &$/);
  });

  const sent = `argv:-h 172.20.0.2 -p 31415 PING\nauth:${PASSWORD}`;
  const refused = (holder: string) => `port 31415 is held by ${holder}, not by asperaredisd: password not sent`;
  // As `ss -Htlne` prints a listener: no process names; uid (none for root's) and inode first.
  const line = (address: string, uid?: number) =>
    `LISTEN 0 511 ${address} 0.0.0.0:* ${uid === undefined ? '' : `uid:${uid} `}ino:77 sk:2 cgroup:/system.slice/x.service <->`;
  // A pid no host has (above the kernel's largest pid_max), so its name is not found: shown as ?.
  const STRANGER = '9999999';
  it.each([
    ['nothing listens here (another host\'s port)', '', '', sent],
    ['the noded user\'s socket, whatever its process', line('0.0.0.0:31415', 999), STRANGER, sent],
    ['the noded user\'s socket, no process visible', line('172.20.0.2:31415', 999), '', sent],
    ['root\'s socket held by the unit\'s MainPID', line('0.0.0.0:31415'), '60', sent],
    ['another port on the same number prefix', line('0.0.0.0:314150', 1500), STRANGER, sent],
    // A socket on another address cannot receive what is sent to the target.
    ['another account on another address of this host', line('10.0.0.9:31415', 1500), STRANGER, sent],
    ['root\'s unseen socket on 127.0.0.11 (Docker\'s resolver)', line('127.0.0.11:31415'), '', sent],
    ['another account on a link-local IPv6 address of one device', line('[fe80::1]%eth0:31415', 1500), STRANGER, sent],
    ['another account on an address that ends as the target\'s', line('72.20.0.2:31415', 1500), STRANGER, sent],
    ['another account on every address of one device', line('0.0.0.0%eth0:31415', 1500), STRANGER, refused(`pid ${STRANGER} (?) as user mallory`)],
    ['another account on the target address of one device', line('172.20.0.2%eth0:31415', 1500), STRANGER, refused(`pid ${STRANGER} (?) as user mallory`)],
    ['another account on every address, as older ss prints it', line('*:31415', 1500), STRANGER, refused(`pid ${STRANGER} (?) as user mallory`)],
    ['another account on every IPv6 address of one device', line('[::]%eth0:31415', 1500), STRANGER, refused(`pid ${STRANGER} (?) as user mallory`)],
    ['another account on the target address as IPv4-mapped IPv6', line('[::ffff:172.20.0.2]:31415', 1500), STRANGER, refused(`pid ${STRANGER} (?) as user mallory`)],
    ['another account on the target address', line('172.20.0.2:31415', 1500), STRANGER, refused(`pid ${STRANGER} (?) as user mallory`)],
    ['another account, its process not visible', line('172.20.0.2:31415', 1500), '', refused('pid ? (?) as user mallory')],
    // Whatever another account makes ss print after the uid and inode (a cgroup path of its own with
    // a newline) can only add a line; the socket's own line is judged all the same.
    ['another account whose cgroup path adds a line that reads as the noded user\'s socket',
      `${line('0.0.0.0:31415', 1500).replace(' <->', '')}\nLISTEN 0 0 0.0.0.0:31415 0.0.0.0:* uid:999 ino:78 <->`, STRANGER, refused(`pid ${STRANGER} (?) as user mallory`)],
    ['root\'s program outside the unit', line('[::]:31415'), STRANGER, refused(`pid ${STRANGER} (?) as user root`)],
  ])('sends the password only to the expected listener: %s', (_name, ssLine, holder, want) => {
    const r = runWithStub(asredis(target, ['PING']), ssLine, holder);
    expect(r.output).toBe(want);
    expect(r.exitCode).toBe(want === sent ? 0 : 1);
  });

  it.each(LISTEN_ADDRESSES)('judges a listener on %s by its owner when it may receive what is sent to the target (%s), as pre-flight does', (address, receives) => {
    const r = runWithStub(asredis({ ...target, ip: TARGET }, ['PING']), line(`${address}:31415`, 1500), STRANGER);
    expect(r.output).toBe(receives ? refused(`pid ${STRANGER} (?) as user mallory`) : `argv:-h ${TARGET} -p 31415 PING\nauth:${PASSWORD}`);
  });

  it.each(JUDGE_ALL_TARGETS.filter(Boolean))('to %j (a running Redis\'s bind may say anything): judges every listener on the port, wherever it is', (ip) => {
    for (const address of ANY_LISTENERS) {
      const r = runWithStub(asredis({ ...target, ip }, ['PING']), line(`${address}:31415`, 1500), STRANGER);
      expect(r.output, address).toBe(refused(`pid ${STRANGER} (?) as user mallory`));
    }
  });

  it('reads no process name: one with a newline and " uid:999" in it, which ss prints as it is, changes nothing', () => {
    const named = 'LISTEN 0 511 0.0.0.0:31415 0.0.0.0:* users:((" uid:999\n",pid=4242,fd=3)) uid:1500 ino:77 sk:2 <->';
    const r = runWithStub(asredis(target, ['PING']), line('0.0.0.0:31415', 1500), STRANGER, named);
    expect(r).toMatchObject({ exitCode: 1, output: refused(`pid ${STRANGER} (?) as user mallory`) });
  });

  it('shows the holder\'s name with anything but letters, digits and ._:+@- as ?: no escape sequence reaches the operator\'s terminal', () => {
    // A process's name is its program's file name: a link to sleep named with an escape sequence.
    const named = join(dir, '\x1b]0;x\x07a b');
    symlinkSync('/bin/sleep', named);
    const holder = spawn(named, ['30'], { stdio: 'ignore' });
    try {
      const r = runWithStub(asredis(target, ['PING']), line('0.0.0.0:31415', 1500), String(holder.pid));
      expect(r).toMatchObject({ exitCode: 1, output: refused(`pid ${holder.pid} (??0?x?a?b) as user mallory`) });
    } finally {
      holder.kill();
    }
  });

  it('asredisDetached sends nothing to a foreign listener', () => {
    const r = runWithStub(asredisDetached(target, ['DEBUG', 'sleep', '0']), line('0.0.0.0:31415', 1500), STRANGER);
    expect(r).toMatchObject({ exitCode: 1, output: refused(`pid ${STRANGER} (?) as user mallory`) });
  });
});
