import { describe, expect, it } from 'vitest';
import {
  setSyncDelay, waitForPrimaryReplicas, waitForRedis, waitForReplicaLink, waitForSentinelPeers, waitForSentinelPrimary, waitForSentinelQuorum,
} from '../../src/remote/readiness.js';
import type { RemoteCommand } from '../../src/ssh/remote-script.js';
import { Secret } from '../../src/util/secret.js';

const PASSWORD = 'readiness-secret-pw';
const redis = { ip: '172.20.0.3', port: 31415, password: new Secret(PASSWORD) };
const sentinel = { ...redis, port: 41415 };
const wait = { timeoutMs: 45_000 };

const cases: [string, RemoteCommand, string, string][] = [
  ['Redis', waitForRedis(redis, wait), 'wait until Redis at 172.20.0.3:31415 answers PING',
    'Redis at 172.20.0.3:31415 did not answer PING within 45 s'],
  ['replica link', waitForReplicaLink(redis, '172.20.0.2', wait), 'wait until the replica at 172.20.0.3:31415 reports its link to 172.20.0.2 up',
    'the replica at 172.20.0.3:31415 did not report master_link_status:up to 172.20.0.2 within 45 s'],
  ['primary replicas', waitForPrimaryReplicas(redis, ['172.20.0.2', '172.20.0.4'], wait),
    'check the primary at 172.20.0.3:31415 sees 2 replica(s) online',
    'the primary at 172.20.0.3:31415 does not see every replica online (172.20.0.2, 172.20.0.4) within 45 s'],
  ['Sentinel primary', waitForSentinelPrimary(sentinel, 'aspera', '172.20.0.2', wait),
    'check the Sentinel at 172.20.0.3:41415 names 172.20.0.2 as primary of aspera',
    'the Sentinel at 172.20.0.3:41415 does not name 172.20.0.2 as primary of aspera within 45 s'],
  ['Sentinel peers', waitForSentinelPeers(sentinel, 'aspera', 2, wait), 'check the Sentinel at 172.20.0.3:41415 is connected to its 2 peer(s)',
    'the Sentinel at 172.20.0.3:41415 is not connected to all 2 other Sentinels within 45 s'],
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
      expect(command.inputs).toEqual({ pw: redis.password });
      expect(`${command.label}\n${command.code}`).not.toContain(PASSWORD);
    });

  it('matches each replica by its address, dots escaped', () => {
    expect(waitForPrimaryReplicas(redis, ['172.20.0.2'], wait).code).toContain("grep -Eq '^slave[0-9]+:ip=172\\.20\\.0\\.2,port=31415,state=online'");
  });

  it('sets the sync delay and says why', () => {
    expect(setSyncDelay(redis, '5', 'as configured again').label).toBe('asredis CONFIG SET repl-diskless-sync-delay 5 (as configured again)');
  });
});
