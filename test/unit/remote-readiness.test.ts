import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  foundReplicasCondition, onlineReplicasCondition, setSyncDelay, waitForPrimaryReplicas, waitForRedis, waitForReplicaLink, waitForSentinelPeers, waitForSentinelPrimary, waitForSentinelQuorum, waitForSentinelReplicas,
} from '../../src/remote/readiness.js';
import type { RemoteCommand } from '../../src/ssh/remote-script.js';
import { Secret } from '../../src/util/secret.js';

const PASSWORD = 'readiness-secret-pw';
const redis = { ip: '172.20.0.3', port: 31415, password: new Secret(PASSWORD), owner: { unit: 'asperaredisd', user: 'asperadaemon' } };
const sentinel = { ...redis, port: 41415, owner: { unit: 'asperaredissentinel', user: 'asperadaemon' } };
const wait = { timeoutMs: 45_000 };

const cases: [string, RemoteCommand, string, string][] = [
  ['Redis', waitForRedis(redis, wait), 'wait until Redis at 172.20.0.3:31415 answers PING',
    'Redis at 172.20.0.3:31415 did not answer PING within 45 s'],
  ['replica link', waitForReplicaLink(redis, '172.20.0.2', wait), 'wait until the replica at 172.20.0.3:31415 reports its link to 172.20.0.2 up',
    'the replica at 172.20.0.3:31415 did not report master_link_status:up to 172.20.0.2 within 45 s'],
  ['primary replicas', waitForPrimaryReplicas(redis, ['172.20.0.2', '172.20.0.4'], wait),
    'check the primary at 172.20.0.3:31415 sees 2 replica(s) online',
    'the primary at 172.20.0.3:31415 does not see all 2 replica(s) online within 45 s'],
  ['Sentinel primary', waitForSentinelPrimary(sentinel, 'aspera', '172.20.0.2', wait),
    'check the Sentinel at 172.20.0.3:41415 names 172.20.0.2 as primary of aspera',
    'the Sentinel at 172.20.0.3:41415 does not name 172.20.0.2 as primary of aspera within 45 s'],
  ['Sentinel peers', waitForSentinelPeers(sentinel, 'aspera', 2, wait), 'check the Sentinel at 172.20.0.3:41415 is connected to its 2 peer(s)',
    'the Sentinel at 172.20.0.3:41415 is not connected to all 2 other Sentinels within 45 s'],
  ['Sentinel replicas', waitForSentinelReplicas(sentinel, 'aspera', 2, wait), 'check the Sentinel at 172.20.0.3:41415 has found its 2 replica(s)',
    'the Sentinel at 172.20.0.3:41415 has not found all 2 replica(s) within 45 s'],
  ['Sentinel quorum', waitForSentinelQuorum(sentinel, 'aspera', wait),
    'check the Sentinel at 172.20.0.3:41415 reaches a quorum for aspera (SENTINEL CKQUORUM)',
    'the Sentinel at 172.20.0.3:41415 does not reach a quorum for aspera within 45 s'],
];

describe('remote/readiness', () => {
  it.each(cases)('%s: label, bounded wait, message', (_name, command, label, message) => {
    expect(command.label).toBe(label);
    expect(command.code).toContain('deadline=$((SECONDS + 45))');
    expect(command.code).toContain(`echo '${message}'`);
  });

  it.each([...cases.map(([name, command]) => [name, command] as const), ['sync delay', setSyncDelay(redis, '0', 'replicas sync at once')] as const])(
    '%s: the password is an input, never in the label or the code', (_name, command) => {
      const { replicas: _replicas, ...inputs } = command.inputs ?? {};
      expect(inputs).toEqual({ pw: redis.password });
      expect(`${command.label}\n${command.code}`).not.toContain(PASSWORD);
    });

  it('passes the replicas as an input: the script is the same for 2 replicas and for 500', () => {
    const many = Array.from({ length: 500 }, (_, i) => `10.200.${i >> 8}.${i & 255}`);
    const two = waitForPrimaryReplicas(redis, ['172.20.0.2', '172.20.0.4'], wait);
    expect(two.inputs?.replicas).toBe('172.20.0.2\n172.20.0.4\n');
    expect(waitForPrimaryReplicas(redis, many, wait).code.replace('500', '2')).toBe(two.code);
  });

  // The condition itself, run by bash against INFO replication answers.
  const online = (info: string, replicas: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'readiness-'));
    writeFileSync(join(dir, 'replicas'), replicas.map((r) => `${r}\n`).join(''));
    writeFileSync(join(dir, 'info'), info);
    const r = spawnSync('bash', ['-c', `IN=${dir}; ${onlineReplicasCondition(`cat ${dir}/info`, 31415)}`]);
    rmSync(dir, { recursive: true, force: true });
    return r.status === 0;
  };
  const slave = (i: number, ip: string, state = 'online', port = 31415) => `slave${i}:ip=${ip},port=${port},state=${state},offset=14,lag=0`;
  it.each([
    ['every replica online', ['role:master', slave(0, '172.20.0.2'), slave(1, '172.20.0.4')], ['172.20.0.2', '172.20.0.4'], true],
    ['in another order, CRLF line ends', ['role:master\r', `${slave(0, '172.20.0.4')}\r`, `${slave(1, '172.20.0.2')}\r`], ['172.20.0.2', '172.20.0.4'], true],
    ['one still syncing', ['role:master', slave(0, '172.20.0.2'), slave(1, '172.20.0.4', 'wait_bgsave')], ['172.20.0.2', '172.20.0.4'], false],
    ['one missing', ['role:master', slave(0, '172.20.0.2')], ['172.20.0.2', '172.20.0.4'], false],
    ['an address that only starts like one', ['role:master', slave(0, '172.20.0.21')], ['172.20.0.2'], false],
    ['another port', ['role:master', slave(0, '172.20.0.2', 'online', 6379)], ['172.20.0.2'], false],
    ['no replica at all', ['role:master', 'connected_slaves:0'], ['172.20.0.2'], false],
    ['not a primary', ['role:slave', slave(0, '172.20.0.2')], ['172.20.0.2'], false],
  ])('%s: ready %s', (_name, info, replicas, ready) => {
    expect(online(`${(info).join('\n')}\n`, replicas)).toBe(ready);
  });

  // SENTINEL MASTER's flat reply, a key then its value on the next line.
  const found = (reply: string[], replicas: number) => {
    const dir = mkdtempSync(join(tmpdir(), 'readiness-'));
    writeFileSync(join(dir, 'reply'), reply.map((l) => `${l}\n`).join(''));
    const r = spawnSync('bash', ['-c', foundReplicasCondition(`cat ${dir}/reply`, replicas)]);
    rmSync(dir, { recursive: true, force: true });
    return r.status === 0;
  };
  it.each([
    ['every replica found', ['name', 'aspera', 'num-slaves', '2', 'num-other-sentinels', '2'], 2, true],
    ['CRLF line ends', ['name\r', 'aspera\r', 'num-slaves\r', '2\r'], 2, true],
    ['still discovering', ['name', 'aspera', 'num-slaves', '0', 'num-other-sentinels', '2'], 2, false],
    ['one of two', ['num-slaves', '1'], 2, false],
    ['more than expected (stale: membership clears it)', ['num-slaves', '3'], 2, true],
    ['a value that only looks like the key', ['flags', 'num-slaves', 'num-slaves', '0'], 1, false],
    ['no answer', ['ERR No such master with that name'], 1, false],
    ['an empty reply', [], 0, true],
  ])('Sentinel replicas found, %s: ready %s', (_name, reply, replicas, ready) => {
    expect(found(reply, replicas)).toBe(ready);
  });

  it('sets the sync delay and says why', () => {
    expect(setSyncDelay(redis, '5', 'as configured again').label).toBe('asredis CONFIG SET repl-diskless-sync-delay 5 (as configured again)');
  });
});
