import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LISTENERS_CODE } from '../../src/facts/node-probes.js';
import { foreignHolderProblems, listensOn, parseListeners, splitSocket, type ExpectedOwner, type PortHolder } from '../../src/hsts/port-holders.js';
import { ANY_LISTENERS, JUDGE_ALL_TARGETS, LISTEN_ADDRESSES, TARGET } from '../support/listen-addresses.js';

const owner: ExpectedOwner = { unit: 'asperaredisd', mainPid: 60, nodedUser: 'asperadaemon', nodedUid: 999 };
const h = (fields: Partial<PortHolder>): PortHolder => ({ address: '0.0.0.0', pid: 60, command: 'redis-server', uid: 999, user: 'asperadaemon', ancestors: [1], ...fields });

describe('hsts/port-holders: whose is a port, by pid and uid', () => {
  const cases: { name: string; holders: PortHolder[]; owner?: Partial<ExpectedOwner>; want: string[] }[] = [
    { name: 'free', holders: [], want: [] },
    { name: 'the unit\'s MainPID, as the noded user', holders: [h({})], want: [] },
    { name: 'IBM\'s binary name, asperaredisd', holders: [h({ command: 'asperaredisd' })], want: [] },
    { name: 'any name, as the noded user (a restart\'s new pid)', holders: [h({ pid: 4000, command: 'whatever' })], want: [] },
    { name: 'a child of the unit\'s MainPID as another user', holders: [h({ pid: 61, uid: 0, user: 'root', ancestors: [60, 1] })], want: [] },
    { name: 'the MainPID itself as root', holders: [h({ uid: 0, user: 'root' })], want: [] },
    {
      name: 'named redis-server but another account\'s', holders: [h({ pid: 777, uid: 1500, user: 'mallory' })],
      want: ['port 31415 is held by pid 777 (redis-server) as user mallory, not by asperaredisd or user asperadaemon'],
    },
    {
      name: 'root\'s process outside the unit', holders: [h({ pid: 80, command: 'nginx', uid: 0, user: 'root' })],
      want: ['port 31415 is held by pid 80 (nginx) as user root, not by asperaredisd or user asperadaemon'],
    },
    {
      name: 'the unit is not running (MainPID 0): only the uid counts', owner: { mainPid: 0 }, holders: [h({ pid: 60, uid: 0, user: 'root' })],
      want: ['port 31415 is held by pid 60 (redis-server) as user root, not by asperaredisd or user asperadaemon'],
    },
    {
      name: 'no process seen, an unnamed uid', holders: [h({ pid: null, command: null, uid: 1500, user: null })],
      want: ['port 31415 is held by an unseen process as user uid 1500, not by asperaredisd or user asperadaemon'],
    },
    {
      name: 'the noded user unknown: its uid proves nothing', owner: { nodedUid: null }, holders: [h({ pid: 5, ancestors: [1] })],
      want: ['port 31415 is held by pid 5 (redis-server) as user asperadaemon, not by asperaredisd or user asperadaemon'],
    },
    {
      name: 'the same holder on two addresses: named once', holders: [h({ pid: 9, uid: 7, user: 'x' }), h({ pid: 9, uid: 7, user: 'x' })],
      want: ['port 31415 is held by pid 9 (redis-server) as user x, not by asperaredisd or user asperadaemon'],
    },
  ];
  it.each(cases)('$name', ({ holders, owner: o, want }) => {
    expect(foreignHolderProblems(31415, holders, { ...owner, ...o })).toEqual(want);
  });
});

describe('hsts/port-holders: splitSocket, ss\'s ADDRESS:PORT column', () => {
  it.each<[string, { address: string; port: number } | null]>([
    ['172.20.0.2:31415', { address: '172.20.0.2', port: 31415 }],
    ['[::ffff:0.0.0.0]:41415', { address: '[::ffff:0.0.0.0]', port: 41415 }],
    ['[fe80::1]%eth0:9092', { address: '[fe80::1]%eth0', port: 9092 }],
    ['*:22', { address: '*', port: 22 }],
    [':31415', { address: '', port: 31415 }],
    ['127.0.0.1', null],
    ['127.0.0.1:*', null],
    ['127.0.0.1:0', null],
    ['127.0.0.1:1.5', null],
    ['', null],
  ])('%s', (text, want) => {
    expect(splitSocket(text)).toEqual(want);
  });
});

describe('hsts/port-holders: listensOn, whether a listener receives what is sent to an IPv4 address', () => {
  it.each(LISTEN_ADDRESSES)('%s: %s', (address, want) => expect(listensOn(address, TARGET)).toBe(want));
  it.each(JUDGE_ALL_TARGETS)('to %j: every listener counts', (target) => {
    expect(ANY_LISTENERS.map((address) => listensOn(address, target))).toEqual(ANY_LISTENERS.map(() => true));
  });
});

describe('hsts/port-holders: parseListeners', () => {
  it('reads ss -Htlne lines, the holders found by inode, ancestry, names and uid names', () => {
    const listeners = parseListeners({
      listen: [
        '0.0.0.0:22 ino:33214 sk:1 cgroup:/system.slice/ssh.service <->',
        '127.0.0.1:31415 uid:999 ino:34010 sk:2 <->',
        '[::]:41415 uid:999 ino:1 sk:3 v6only:1 <->',
      ],
      holders: ['33214 68', '34010 60', '34010 60', 'junk'],
      ancestry: ['68 1', '60 1', 'junk'],
      uidNames: ['999 asperadaemon', '5 bad name!'],
      comms: ['68 sshd', '60 asperaredisd'],
    });
    expect(listeners.get(22)).toEqual([{ address: '0.0.0.0', pid: 68, command: 'sshd', uid: 0, user: 'root', ancestors: [1] }]);
    expect(listeners.get(31415)).toEqual([{ address: '127.0.0.1', pid: 60, command: 'asperaredisd', uid: 999, user: 'asperadaemon', ancestors: [1] }]);
    expect(listeners.get(41415)).toEqual([{ address: '[::]', pid: null, command: null, uid: 999, user: 'asperadaemon', ancestors: [] }]);
  });

  it('a listener with inode 0 (one being closed, as ss shows it: root\'s, no file) is still judged, as the password guard judges it', () => {
    const listeners = parseListeners({
      listen: ['10.1.2.3:41415 ino:0 sk:5 <->'], holders: [], ancestry: [], uidNames: [], comms: [],
    });
    expect(listeners.get(41415)).toEqual([{ address: '10.1.2.3', pid: null, command: null, uid: 0, user: 'root', ancestors: [] }]);
  });

  it('an address ss never prints (empty, before the port) is kept, and counts wherever Redis binds (fail closed)', () => {
    const listeners = parseListeners({ listen: [':31415 uid:1500 ino:9 <->'], holders: [], ancestry: [], uidNames: [], comms: [] });
    expect(listeners.get(31415)?.map((h) => [h.address, listensOn(h.address, TARGET)])).toEqual([['', true]]);
  });

  it('takes uid and inode from where ss puts them, first after the addresses: text another account chose after them changes neither', () => {
    const listeners = parseListeners({
      listen: [
        // A cgroup path of another account's making, holding what would read as the noded user's socket.
        '0.0.0.0:31415 uid:1500 ino:7 sk:2 cgroup:/user.slice/x uid:999 ino:8 <->',
        // A line it added (a newline in that path) reads as another socket: it only adds a holder.
        '0.0.0.0:31415 uid:999 ino:8 <->',
        // Anything else first: not a socket line.
        '0.0.0.0:41415 users:(("x",pid=1,fd=3)) uid:999 ino:9 <->',
      ],
      holders: ['7 4242', '8 60'],
      ancestry: [],
      uidNames: ['1500 mallory', '999 asperadaemon'],
      comms: ['4242 redis-server'],
    });
    expect(listeners.get(31415)).toEqual([
      { address: '0.0.0.0', pid: 4242, command: 'redis-server', uid: 1500, user: 'mallory', ancestors: [] },
      { address: '0.0.0.0', pid: 60, command: '?', uid: 999, user: 'asperadaemon', ancestors: [] },
    ]);
    expect(listeners.has(41415)).toBe(false);
    const owner = { unit: 'asperaredisd', mainPid: 60, nodedUser: 'asperadaemon', nodedUid: 999 };
    expect(foreignHolderProblems(31415, listeners.get(31415)!, owner)).toEqual([
      'port 31415 is held by pid 4242 (redis-server) as user mallory, not by asperaredisd or user asperadaemon',
    ]);
  });
});

describe('the listeners probe when ss answers nothing', () => {
  it('stops alone: the code after it still runs under set -u (there, the check of IBM\'s programs)', () => {
    const bin = mkdtempSync(join(tmpdir(), 'hsts-no-ss-'));
    try {
      writeFileSync(join(bin, 'ss'), '#!/bin/sh\nexit 1\n');
      chmodSync(join(bin, 'ss'), 0o755);
      const r = spawnSync('bash', ['-uc', `${LISTENERS_CODE}\necho AFTER`], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:/usr/bin:/bin` } });
      expect(r.stdout).toBe('AFTER\n');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

/** The probe's bash, run on this machine: a listener of this test process is found by its inode. */
describe('the listeners probe on this machine', () => {
  it('finds this process\'s listening socket, its pid and its ancestry', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const lines = spawnSync('bash', ['-c', LISTENERS_CODE], { encoding: 'utf8', timeout: 20_000 }).stdout.split('\n');
      const values = (key: string) => lines.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
      const listeners = parseListeners({ listen: values('listen'), holders: values('holder'), ancestry: values('ancestry'), uidNames: values('uidname'), comms: values('comm') });
      const holders = listeners.get(port) ?? [];
      expect(holders.map((h) => h.pid)).toContain(process.pid);
      expect(holders.find((h) => h.pid === process.pid)?.ancestors).toContain(process.ppid);
      expect(holders.find((h) => h.pid === process.pid)?.command).toMatch(/^[A-Za-z0-9._?-]+$/);
      expect(holders.find((h) => h.pid === process.pid)?.address).toBe('127.0.0.1');
    } finally {
      server.close();
    }
  });
});
