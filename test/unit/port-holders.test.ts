import { describe, expect, it } from 'vitest';
import { foreignHolderProblems, parseListeners, type ExpectedOwner, type PortHolder } from '../../src/hsts/port-holders.js';

const owner: ExpectedOwner = { unit: 'asperaredisd', mainPid: 60, nodedUser: 'asperadaemon', nodedUid: 999 };
const h = (fields: Partial<PortHolder>): PortHolder => ({ pid: 60, command: 'redis-server', uid: 999, user: 'asperadaemon', ancestors: [1], ...fields });

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

describe('hsts/port-holders: parseListeners', () => {
  it('reads ss -Htlnpe lines, ancestry and uid names', () => {
    const listen = [
      '0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=68,fd=3)) ino:33214 sk:1 cgroup:/system.slice/ssh.service <->',
      '127.0.0.1:31415 0.0.0.0:* users:(("asperaredisd",pid=60,fd=7)) uid:999 ino:34010 sk:2 <->',
      '[::]:41415 [::]:* uid:999 ino:1 sk:3 v6only:1 <->',
    ];
    const listeners = parseListeners(listen, ['68 1', '60 1', 'junk'], ['999 asperadaemon', '5 bad name!']);
    expect(listeners.get(22)).toEqual([{ pid: 68, command: 'sshd', uid: 0, user: 'root', ancestors: [1] }]);
    expect(listeners.get(31415)).toEqual([{ pid: 60, command: 'asperaredisd', uid: 999, user: 'asperadaemon', ancestors: [1] }]);
    expect(listeners.get(41415)).toEqual([{ pid: null, command: null, uid: 999, user: 'asperadaemon', ancestors: [] }]);
  });

  it('reads the socket\'s uid and every holder\'s pid where ss puts them, whatever a process is named', () => {
    const listen = [
      '0.0.0.0:31415 0.0.0.0:* users:(("x",pid=60",pid=4242,fd=3)) uid:1500 ino:1 sk:2 <->',
      '0.0.0.0:41415 0.0.0.0:* users:((" uid:999",pid=4243,fd=3)) uid:1500 ino:2 sk:3 <->',
      '0.0.0.0:9092 0.0.0.0:* users:(("a,pid=60,fd=3)",pid=4244,fd=3)) uid:1500 ino:3 sk:4 <->',
    ];
    const listeners = parseListeners(listen, [], ['1500 mallory', '999 asperadaemon']);
    const owner = { unit: 'asperaredisd', mainPid: 60, nodedUser: 'asperadaemon', nodedUid: 999 };
    expect(listeners.get(31415)).toEqual([{ pid: 4242, command: 'x",pid=60', uid: 1500, user: 'mallory', ancestors: [] }]);
    expect(listeners.get(41415)).toEqual([{ pid: 4243, command: ' uid:999', uid: 1500, user: 'mallory', ancestors: [] }]);
    // A name holding a whole fake `,pid=60,fd=3)` adds a holder; the real one is still there, and foreign.
    expect(listeners.get(9092)!.map((h) => h.pid)).toEqual([60, 4244]);
    for (const port of [31415, 41415, 9092]) expect(foreignHolderProblems(port, listeners.get(port)!, owner), String(port)).not.toEqual([]);
  });
});
