import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { untrustedProgramsProblem } from '../../src/remote/trusted-programs.js';
import { nodeFacts, nodeProbes, shellsProbe } from '../../src/facts/node-probes.js';
import { runtimeProbes } from '../../src/facts/runtime-probes.js';
import { outputProbe, parseProbes, probeCommands } from '../../src/remote/probe.js';
import type { CommandResult } from '../../src/ssh/remote-script.js';
import { Secret } from '../../src/util/secret.js';

const answer = (output: string, exitCode = 0): CommandResult => ({ label: '', exitCode, output, durationMs: 1 });
/** INFO's default sections as redis-cli prints them (CRLF), abridged, with these keyspace lines. */
const info = (keyspace: string) => ['# Server', 'redis_version:6.0.16', 'redis_mode:standalone', '', '# Replication', 'role:master',
  'connected_slaves:0', 'master_replid:8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb', 'master_repl_offset:42', '', '# CPU', 'used_cpu_sys:0.1', '',
  '# Keyspace', keyspace, ''].join('\r\n');

describe('remote/probe: answers by name', () => {
  it('asks the probes that are there, in order, and hands each its own result', () => {
    const probes = {
      one: outputProbe({ label: 'one', code: 'echo 1' }, Number),
      skipped: undefined,
      two: outputProbe({ label: 'two', code: 'echo two' }, (o) => o.toUpperCase()),
    };
    expect(probeCommands(probes).map((c) => c.label)).toEqual(['one', 'two']);
    expect(parseProbes(probes, [answer('1'), answer('two')])).toEqual({ one: 1, two: 'TWO' });
  });

  it('a probe whose batch ended before it answered parses an empty answer', () => {
    expect(parseProbes({ x: outputProbe({ label: 'x', code: 'true' }, (o) => o || 'nothing') }, [])).toEqual({ x: 'nothing' });
  });
});

const needs = { files: ['/etc/a.conf', '/etc/absent'], units: ['asperaredisd', 'asperaredissentinel'], users: ['xfer', 'ghost'] };

/** What a node answers to nodeProbes(needs), by probe name. */
const nodeAnswers: Record<string, string> = {
  'file /etc/a.conf': `root adm 640\n${Buffer.from('bind 1.2.3.4\n').toString('base64')}`,
  'file /etc/absent': 'ABSENT',
  units: 'Id=asperaredisd.service\nLoadState=loaded\nUnitFileState=enabled\nActiveState=active\nMainPID=7\nUMask=0027',
  users: 'xfer yes 1001\nghost no\n',
  iptables: '-N HSTS-CLUSTER\n-A HSTS-CLUSTER -i lo -j ACCEPT\n---\n-P INPUT ACCEPT\n-A INPUT -p tcp -m multiport --dports 31415,41415 -j HSTS-CLUSTER\n',
  environment: [
    'uid=0', 'hsts=yes', 'nfp=yes', 'ipts=no', 'firewalld=inactive',
    'transfer=123 ascp -l 100m', 'listen=0.0.0.0:22 ino:2 sk:1 <->', 'listen=172.20.0.2:31415 uid:999 ino:1 sk:2 <->', 'holder=2 1', 'comm=1 sshd', 'holder=1 9', 'comm=9 redis-server', 'ancestry=1', 'ancestry=9 1', 'uidname=999 asperadaemon', 'programs_trusted=yes', 'asredis=redis-cli 7.0.15',
    'lock={"run":"r1"}',
  ].join('\n'),
};

function gather(n: typeof needs & { firewalld?: { privateIp: string }; shells?: string[] }, answers: Record<string, string>) {
  const probes = nodeProbes(n);
  const names = Object.entries(probes).filter(([, p]) => p !== undefined).map(([name]) => name);
  return { names, facts: nodeFacts(n, parseProbes(probes, names.map((name) => answer(answers[name] ?? '')))) };
}

describe('facts/node-probes', () => {
  it('names one probe per file, then units, users, iptables, environment (firewalld only when asked)', () => {
    expect(gather(needs, nodeAnswers).names).toEqual(['file /etc/a.conf', 'file /etc/absent', 'units', 'users', 'iptables', 'environment']);
    expect(gather({ ...needs, firewalld: { privateIp: '172.20.0.2' } }, nodeAnswers).names.at(-1)).toBe('firewalld');
  });

  it('takes IBM\'s programs as unchecked, so not trusted, when the environment\'s answer ends before their check', () => {
    const cut = { ...nodeAnswers, environment: nodeAnswers.environment!.split('\nprograms_trusted=')[0]! };
    const { facts } = gather(needs, cut);
    expect(facts.untrustedPrograms).toEqual(['/opt/aspera/bin|||unchecked']);
    expect(untrustedProgramsProblem(facts.untrustedPrograms)).toContain('/opt/aspera/bin (not checked: the node\'s answer ended before the check)');
  });

  it('reads files, units (unknown ones not-found), users, iptables and the environment', () => {
    const { facts } = gather(needs, nodeAnswers);
    expect(facts.files.get('/etc/a.conf')).toEqual({ path: '/etc/a.conf', content: Buffer.from('bind 1.2.3.4\n'), owner: 'root', group: 'adm', mode: '640', links: 1 });
    expect(facts.files.get('/etc/absent')).toEqual({ path: '/etc/absent', content: null, owner: '', group: '', mode: '' });
    expect(facts.units.get('asperaredisd')).toMatchObject({ active: 'active', enabled: 'enabled', mainPid: 7, umask: '0027' });
    expect(facts.units.get('asperaredissentinel')).toEqual({ name: 'asperaredissentinel', load: 'not-found', enabled: '', active: 'inactive', mainPid: 0, umask: '' });
    expect([...facts.users]).toEqual([['xfer', true], ['ghost', false]]);
    expect([...facts.userIds]).toEqual([['xfer', 1001]]);
    expect(facts.asredisVersion).toEqual([7, 0, 15]);
    expect(facts.firewall.chain).toEqual(['-A HSTS-CLUSTER -i lo -j ACCEPT']);
    expect(facts).toMatchObject({
      isRoot: true, hstsInstalled: true, transfers: ['123 ascp -l 100m'], lockHolder: '{"run":"r1"}',
      persistence: { kind: 'netfilter-persistent' }, firewalld: null, firewalldProblem: null,
    });
    expect(facts.untrustedPrograms).toEqual([]);
    expect([...facts.listeners]).toEqual([
      [22, [{ address: '0.0.0.0', pid: 1, command: 'sshd', uid: 0, user: 'root', ancestors: [] }]],
      [31415, [{ address: '172.20.0.2', pid: 9, command: 'redis-server', uid: 999, user: 'asperadaemon', ancestors: [1] }]],
    ]);
  });

  it.each([
    ['firewalld active and read', 'firewalld=active', 'zone=public\nruntime:rule x\n', { zone: 'public', runtime: ['rule x'], permanent: [], files: [] }, null],
    ['firewalld active, then stopped', 'firewalld=active', 'inactive\n', null, 'firewalld stopped while its state was read'],
    ['firewalld active, no zone', 'firewalld=active', 'error=firewall-cmd --get-default-zone failed\n', null, 'firewall-cmd --get-default-zone failed'],
    ['firewalld inactive', 'firewalld=inactive', 'zone=public\n', null, null],
  ])('%s', (_name, envLine, probeOutput, state, problem) => {
    const answers = { ...nodeAnswers, environment: nodeAnswers.environment!.replace('firewalld=inactive', envLine), firewalld: probeOutput };
    const { facts } = gather({ ...needs, firewalld: { privateIp: '172.20.0.2' } }, answers);
    expect(facts.firewalld).toEqual(state);
    expect(facts.firewalldProblem).toBe(problem);
  });
});

describe('facts/node-probes: login shells (add-transfer-user --create)', () => {
  it('are asked only when needed, and every one asked gets an answer', () => {
    expect(gather(needs, nodeAnswers).names).not.toContain('shells');
    expect(gather(needs, nodeAnswers).facts.shells.size).toBe(0);
    const { names, facts } = gather({ ...needs, shells: ['/bin/aspshell', '/usr/bin/zsh'] }, { ...nodeAnswers, shells: 'yes /bin/aspshell\n' });
    expect(names.at(-1)).toBe('shells');
    expect([...facts.shells]).toEqual([['/bin/aspshell', true], ['/usr/bin/zsh', false]]);
  });

  it('count an executable regular file, through links; not a plain file, a directory, a dangling link or nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hsts-shells-'));
    writeFileSync(join(dir, 'shell'), '#!/bin/sh\n');
    chmodSync(join(dir, 'shell'), 0o755);
    writeFileSync(join(dir, 'plain'), 'x');
    chmodSync(join(dir, 'plain'), 0o644);
    mkdirSync(join(dir, 'directory'));
    symlinkSync(join(dir, 'shell'), join(dir, 'link'));
    symlinkSync(join(dir, 'gone'), join(dir, 'dangling'));
    const paths = ['shell', 'link', 'plain', 'directory', 'dangling', 'missing', 'with space'].map((n) => join(dir, n));
    const probe = shellsProbe(paths);
    const output = execFileSync('bash', ['-c', probe.command.code], { encoding: 'utf8', timeout: 20_000 });
    expect([...probe.parse(answer(output))].filter(([, ok]) => ok).map(([p]) => p)).toEqual([join(dir, 'shell'), join(dir, 'link')]);
  });
});

describe('facts/runtime-probes', () => {
  const password = new Secret('runtime-probe-pw');
  const probes = runtimeProbes({
    sentinel: { ip: '172.20.0.2', port: 41415, password, primarySet: 'aspera', owner: { unit: 'asperaredissentinel', user: 'asperadaemon' } },
    redis: { ip: '172.20.0.2', port: 31415, password, owner: { unit: 'asperaredisd', user: 'asperadaemon' } },
  });

  it('asks with the password as an input only', () => {
    const commands = probeCommands(probes);
    expect(commands.map((c) => c.label)).toEqual([
      'asredis -h 172.20.0.2 -p 41415 SENTINEL get-master-addr-by-name aspera',
      'asredis -h 172.20.0.2 -p 31415 INFO',
    ]);
    for (const c of commands) {
      expect(c.inputs).toEqual({ pw: password });
      expect(`${c.label}${c.code}`).not.toContain('runtime-probe-pw');
    }
  });

  it.each([
    ['both answer', answer('172.20.0.3\n31415\n'), answer(info('db0:keys=12,expires=0,avg_ttl=0\r\ndb1:keys=3,expires=0,avg_ttl=0')),
      { sentinelPrimary: { ip: '172.20.0.3', port: 31415 }, redis: expect.objectContaining({ role: 'master' }), redisKeys: 12, redisVersion: [6, 0, 16] }],
    ['an empty db0 has no keyspace line', answer('172.20.0.3\n31415\n'), answer(info('db1:keys=3,expires=0,avg_ttl=0')),
      { sentinelPrimary: { ip: '172.20.0.3', port: 31415 }, redis: expect.objectContaining({ role: 'master' }), redisKeys: 0, redisVersion: [6, 0, 16] }],
    ['Redis answers but says no version', answer('172.20.0.3\n31415\n'), answer('# Replication\r\nrole:master\r\nconnected_slaves:0\r\n# Keyspace\r\ndb0:keys=0\r\n'),
      { sentinelPrimary: { ip: '172.20.0.3', port: 31415 }, redis: expect.objectContaining({ role: 'master' }), redisKeys: 0 }],
    ['a count too long to be one counts no keys', answer('172.20.0.3\n31415\n'), answer(info(`db0:keys=${'9'.repeat(400)},expires=0`)),
      { sentinelPrimary: { ip: '172.20.0.3', port: 31415 }, redis: expect.objectContaining({ role: 'master' }), redisKeys: 0, redisVersion: [6, 0, 16] }],
    ['a keyspace line not as Redis writes it counts no keys', answer('172.20.0.3\n31415\n'), answer(info('db0:keys=12x,expires=0')),
      { sentinelPrimary: { ip: '172.20.0.3', port: 31415 }, redis: expect.objectContaining({ role: 'master' }), redisKeys: 0, redisVersion: [6, 0, 16] }],
    ['Sentinel refuses the password', answer('WRONGPASS invalid username-password pair\n'), answer('', 1),
      { sentinelError: 'WRONGPASS invalid username-password pair', redisError: 'no answer' }],
    ['Sentinel knows no primary', answer(''), answer('Could not connect to Redis at 172.20.0.2:31415: Connection refused\n', 1),
      { sentinelPrimary: null, redisError: 'Could not connect to Redis at 172.20.0.2:31415: Connection refused' }],
  ])('%s', (_name, sentinel, redis, facts) => {
    const answers = parseProbes(probes, [sentinel, redis]);
    expect({ ...answers.sentinel, ...answers.redis }).toEqual(facts);
  });

  it('asks only what runs', () => {
    expect(probeCommands(runtimeProbes({ redis: { ip: '1.2.3.4', port: 1, password, owner: { unit: 'asperaredisd', user: 'asperadaemon' } } })).map((c) => c.label)).toEqual(['asredis -h 1.2.3.4 -p 1 INFO']);
  });
});
