import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HSTS } from '../../src/hsts/paths.js';
import { asredis, asredisCode, asredisDetached, configSet } from '../../src/remote/redis-cli.js';
import { parseBatchOutput, renderBatch, type RemoteCommand } from '../../src/ssh/remote-script.js';
import { Secret } from '../../src/util/secret.js';

const PASSWORD = 'pw "with" $(spaces) and \'quotes\'';
const target = { ip: '172.20.0.2', port: 31415, password: new Secret(PASSWORD) };

/** A stand-in for asredis that prints what it was given: its argv, and whether the password came in the environment. */
const dir = mkdtempSync(join(tmpdir(), 'remote-redis-cli-'));
const stub = join(dir, 'asredis');
writeFileSync(stub, '#!/bin/bash\nprintf "argv:%s\\n" "$*"\nprintf "auth:%s\\n" "$REDISCLI_AUTH"\n');
chmodSync(stub, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runWithStub(command: RemoteCommand): string {
  const local = { ...command, code: command.code.replaceAll(HSTS.asredis, stub) };
  const batch = renderBatch([local], 'run-all');
  const r = spawnSync('bash', ['-c', batch.script], { input: batch.stdin });
  return parseBatchOutput([local], r.stdout)[0]?.output ?? '';
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
    expect(command.code).toBe(`REDISCLI_AUTH=$(cat "$IN/pw") timeout 5 ${HSTS.asredis} -h '172.20.0.2' -p 31415 ${quotedArgs} 2>&1`);
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
    const out = runWithStub(asredis(target, ['INFO', 'replication']));
    expect(out).toBe(`argv:-h 172.20.0.2 -p 31415 INFO replication\nauth:${PASSWORD}`);
  });

  it('configSet fails unless Redis answers OK, and shows the answer', () => {
    // The stub answers with its argv, never "OK".
    const command = configSet(target, 'replica-priority', '0');
    expect(command.label).toBe('asredis CONFIG SET replica-priority 0');
    const local = { ...command, code: command.code.replaceAll(HSTS.asredis, stub) };
    const batch = renderBatch([local], 'run-all');
    const r = parseBatchOutput([local], spawnSync('bash', ['-c', batch.script], { input: batch.stdin }).stdout)[0]!;
    expect(r.exitCode).toBe(1);
    expect(r.output).toContain('argv:-h 172.20.0.2 -p 31415 CONFIG SET replica-priority 0');
  });

  it('asredisDetached runs in the background with its output dropped', () => {
    const command = asredisDetached(target, ['DEBUG', 'sleep', '9']);
    expect(command.label).toBe('asredis -h 172.20.0.2 -p 31415 DEBUG sleep 9 (in the background)');
    expect(command.code).toMatch(/^export REDISCLI_AUTH=\$\(cat "\$IN\/pw"\); setsid .* >\/dev\/null 2>&1 < \/dev\/null &$/);
  });
});
