import { describe, expect, it } from 'vitest';
import { HSTS } from '../../src/hsts/paths.js';
import { describeHolder, parseHolder, parseRunList } from '../../src/runner/node-state.js';
import { checkSnapshot, SnapshotRefused } from '../../src/runner/snapshot-check.js';
import type { Snapshot } from '../../src/runner/snapshot.js';
import { buildInventory } from '../support/facts.js';

const RUN = '20261201T101010Z-ab12';
const inventory = buildInventory({ transferUsers: ['alice'] });

/** A snapshot as `up` writes it on a node that changes (files, a store copied, units, a user, the firewall). */
function honest(): Snapshot {
  return {
    version: 2, run: RUN, node: 'node1', createdAt: '2026-12-01T10:10:10.000Z', nodedUser: 'asperadaemon',
    files: [
      { path: HSTS.redisConf, content: Buffer.from('port 31415\n').toString('base64'), owner: 'asperadaemon', group: 'aspadmins', mode: '600' },
      { path: HSTS.sentinelConf, content: null, owner: '', group: '', mode: '' },
      { path: '/var/lib/hsts-cluster/askmscli/keystore.alice.json', content: null, owner: '', group: '', mode: '' },
    ],
    copies: [{ path: HSTS.rootKeystore, saved: 'copy.0.rootkeystore.db' }, { path: '~alice/localkeystore.db', saved: 'copy.1.localkeystore.db' }],
    units: [{ name: 'asperaredisd', enabled: 'enabled', active: 'active' }, { name: 'netfilter-persistent', enabled: '', active: 'inactive' }],
    users: [{ name: 'alice', exists: false }],
    firewall: { chain: ['-A HSTS-CLUSTER -s 192.0.2.11/32 -p tcp -m tcp --dport 31415 -j ACCEPT'], jumps: ['-A INPUT -j HSTS-CLUSTER'], jumpFirst: true },
    firewalld: { zone: 'public', runtime: ['rule priority="-3140" port port="31415" protocol="tcp" reject'], permanent: [], files: [{ path: '/etc/firewalld/zones/public.xml', content: null, owner: '', group: '', mode: '' }] },
    redisData: { rdb: '/opt/aspera/var/redis.31415.rdb' },
    directories: [{ path: '/opt/aspera/etc/redis', owner: 'root', group: 'root', mode: '755' }],
  };
}

const check = (snapshot: unknown) => checkSnapshot(JSON.stringify(snapshot), { run: RUN, node: 'node1', inventory });

describe('a snapshot read back from a node is checked before any rollback is planned from it', () => {
  it('accepts what hsts-cluster writes', () => {
    expect(check(honest())).toEqual(honest());
  });

  const where = `snapshot of run ${RUN} on node1: `;
  const cases: { name: string; change: (s: any) => void; refusal: string }[] = [
    { name: 'a file outside what hsts-cluster manages', change: (s) => { s.files[0].path = '/etc/sudoers.d/x'; }, refusal: 'files[0].path "/etc/sudoers.d/x" is not a file hsts-cluster manages' },
    { name: 'a mode that is not octal (it reached a shell unquoted)', change: (s) => { s.files[0].mode = '777 /etc/shadow'; }, refusal: 'files[0].mode "777 /etc/shadow" is not an octal file mode' },
    { name: 'an owner that is not a user name', change: (s) => { s.files[0].owner = 'root:root /etc'; }, refusal: 'files[0].owner "root:root /etc" is not a user name' },
    { name: 'a group that is not a group name', change: (s) => { s.files[0].group = '$(id)'; }, refusal: 'files[0].group "$(id)" is not a group name' },
    { name: 'content that is not base64', change: (s) => { s.files[0].content = 'not base64!'; }, refusal: 'files[0].content: ' },
    { name: 'an askmscli store inline in a version 2 snapshot', change: (s) => { s.files[0].path = HSTS.rootKeystore; }, refusal: `files[0].path "${HSTS.rootKeystore}" is not a file hsts-cluster manages` },
    { name: 'another run\'s id', change: (s) => { s.run = '20261201T101010Z-ffff'; }, refusal: 'run "20261201T101010Z-ffff" is not run 20261201T101010Z-ab12' },
    { name: 'a run id that is a path', change: (s) => { s.run = '../../../etc'; }, refusal: 'run: ' },
    { name: 'another node', change: (s) => { s.node = 'node2'; }, refusal: 'node "node2" is not node1' },
    { name: 'another noded user (its keystore path)', change: (s) => { s.nodedUser = 'root'; }, refusal: 'nodedUser "root" is not the inventory\'s noded user asperadaemon' },
    { name: 'a copy of a file that is no store', change: (s) => { s.copies[0].path = '/etc/shadow'; }, refusal: 'copies[0].path "/etc/shadow" is not a store hsts-cluster copies' },
    { name: 'a copy name that leaves the run directory', change: (s) => { s.copies[1].saved = '../../../../etc/shadow'; }, refusal: 'copies[1].saved "../../../../etc/shadow" is not copy.1.localkeystore.db' },
    { name: 'a unit hsts-cluster does not manage', change: (s) => { s.units[0].name = 'ssh'; }, refusal: 'units[0].name "ssh" is not a unit hsts-cluster manages' },
    { name: 'a unit state that is not one', change: (s) => { s.units[0].active = 'active; reboot'; }, refusal: 'units[0].active: ' },
    { name: 'root as a run\'s user (a rollback deletes users that did not exist)', change: (s) => { s.users[0].name = 'root'; }, refusal: 'users[0].name "root" is not a user hsts-cluster creates or gives a keystore' },
    { name: 'a keystore record of a user the snapshot does not name', change: (s) => { s.files[2].path = '/var/lib/hsts-cluster/askmscli/keystore.mallory.json'; }, refusal: 'files[2].path "/var/lib/hsts-cluster/askmscli/keystore.mallory.json" is not a file hsts-cluster manages' },
    { name: 'a store of a user the snapshot does not name', change: (s) => { s.copies[1].path = '~mallory/localkeystore.db'; }, refusal: 'copies[1].path "~mallory/localkeystore.db" is not a store hsts-cluster copies' },
    { name: 'a rule outside our chain', change: (s) => { s.firewall.chain[0] = '-A INPUT -j ACCEPT'; }, refusal: 'firewall.chain[0] "-A INPUT -j ACCEPT" is not a rule of chain HSTS-CLUSTER' },
    { name: 'a rule with a line of its own for iptables-restore', change: (s) => { s.firewall.chain[0] = '-A HSTS-CLUSTER -j ACCEPT\n-F INPUT'; }, refusal: 'firewall.chain[0]: ' },
    { name: 'a jump that is not to our chain', change: (s) => { s.firewall.jumps[0] = '-A INPUT -j DROP'; }, refusal: 'firewall.jumps[0] "-A INPUT -j DROP" is not a jump from INPUT to HSTS-CLUSTER' },
    { name: 'a zone name that is not one', change: (s) => { s.firewalld.zone = 'public --panic-on'; }, refusal: 'firewalld.zone "public --panic-on" is not a firewalld zone name' },
    { name: 'a zone file outside the zone', change: (s) => { s.firewalld.files[0].path = '/etc/shadow'; }, refusal: 'firewalld.files[0].path "/etc/shadow" is not a file of zone public' },
    { name: 'an RDB path that is relative', change: (s) => { s.redisData.rdb = 'etc/shadow'; }, refusal: 'redisData.rdb "etc/shadow" is not an absolute, normal path of a file' },
    { name: 'an RDB path that climbs', change: (s) => { s.redisData.rdb = '/opt/aspera/var/../../etc/x.rdb'; }, refusal: 'redisData.rdb "/opt/aspera/var/../../etc/x.rdb" is not an absolute, normal path of a file' },
    { name: 'an RDB path that is a directory', change: (s) => { s.redisData.rdb = '/opt/aspera/var/'; }, refusal: 'redisData.rdb "/opt/aspera/var/" is not an absolute, normal path of a file' },
    { name: 'an RDB path with shell syntax', change: (s) => { s.redisData.rdb = '/tmp/$(id).rdb'; }, refusal: 'redisData.rdb "/tmp/$(id).rdb" is not an absolute, normal path of a file' },
    { name: 'an owner with a space', change: (s) => { s.files[0].owner = 'root x'; }, refusal: 'files[0].owner "root x" is not a user name' },
    { name: 'a field hsts-cluster never writes', change: (s) => { s.exec = 'rm -rf /'; }, refusal: 'the snapshot: Unrecognized key' },
  ];
  it.each(cases)('refuses $name, naming the field', ({ change, refusal }) => {
    const s = honest();
    change(s);
    expect(() => check(s)).toThrow(SnapshotRefused);
    expect(() => check(s)).toThrow(`${where}${refusal}`);
  });

  it('accepts the user of an add-transfer-user run, outside the inventory, with its keystore record and stores', () => {
    const s = honest();
    s.users = [{ name: 'bob', exists: false }];
    s.files[2]!.path = '/var/lib/hsts-cluster/askmscli/keystore.bob.json';
    s.copies[1] = { path: '~bob/.aspera/localkeystore.db', saved: 'copy.1.localkeystore.db' };
    expect(check(s)).toEqual(s);
  });

  // What a node can honestly hold: the snapshot maker takes it (snapshot.ts, rdbPath), so the check
  // must too, or every `up` on such a node is refused when its snapshot is made.
  const honestVariants: { name: string; change: (s: any) => void }[] = [
    { name: 'an RDB named by a dbfilename without .rdb', change: (s) => { s.redisData.rdb = '/opt/aspera/var/dump.db'; } },
    { name: 'an RDB path with the punctuation Redis places take', change: (s) => { s.redisData.rdb = '/srv/redis@31415/a+b:c=d,e.rdb'; } },
    { name: 'a file owned by a name with upper case (useradd on RHEL takes it)', change: (s) => { s.files[0].owner = 'AsperaDaemon'; } },
    { name: 'a group named like a machine account', change: (s) => { s.files[0].group = 'host$'; } },
    { name: 'a directory owned by a name with upper case', change: (s) => { s.directories[0].owner = 'Aspera'; } },
  ];
  it.each(honestVariants)('accepts $name', ({ change }) => {
    const s = honest();
    change(s);
    expect(check(s)).toEqual(s);
  });

  it('refuses what is not JSON', () => {
    expect(() => checkSnapshot('cat /etc/shadow', { run: RUN, node: 'node1', inventory })).toThrow(`${where}not JSON`);
  });

  it('accepts a version 1 snapshot with a store inline (written before node-side copies)', () => {
    const s = { ...honest(), version: 1, copies: undefined, files: [{ path: HSTS.rootKeystore, content: 'AA==', owner: 'root', group: 'root', mode: '600' }] };
    expect(check(s).files[0]!.path).toBe(HSTS.rootKeystore);
  });
});

describe('records read back from a node: lock holder and run list', () => {
  it('a holder hsts-cluster wrote is described; anything else is shown as data, bounded', () => {
    const holder = { run: RUN, command: 'up', user: 'op', host: 'laptop', pid: 42, since: '2026-12-01T10:10:10Z' };
    expect(describeHolder(JSON.stringify(holder))).toBe(`run ${RUN} (up) by op@laptop pid 42 since 2026-12-01T10:10:10Z`);
    expect(parseHolder(JSON.stringify({ ...holder, run: '../x' }))).toBeNull();
    expect(parseHolder(JSON.stringify({ ...holder, pid: '1; kill' }))).toBeNull();
    expect(parseHolder(JSON.stringify({ ...holder, extra: 1 }))).toBeNull();
    const long = `{"run":"${'x'.repeat(1000)}"}`;
    expect(describeHolder(long)).toMatch(/^an unknown holder \(its holder.json is not one hsts-cluster wrote: ".*\.\.\."; --break-lock/);
    expect(describeHolder(long).length).toBeLessThan(320);
  });

  it('the run list keeps run ids and known states only, newest first', () => {
    const output = [
      `${RUN} done`,
      '20261202T101010Z-0000 applying',
      '../../etc applying',
      '20261203T101010Z-0000 $(reboot)',
      '20261203T101010Z-00zz applying',
      'lock unknown',
      '20261130T101010Z-0000 rollback-failed extra',
    ].join('\n');
    expect([...parseRunList(output)]).toEqual([
      ['20261203T101010Z-0000', 'unknown'],
      ['20261202T101010Z-0000', 'applying'],
      [RUN, 'done'],
    ]);
  });
});
