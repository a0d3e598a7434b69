/**
 * `hsts-cluster doctor`'s pure parts: aspera.conf read with its structure in mind, the probe's
 * answer parsed, and the notes and checklist decided from findings (facts in, lines out).
 */
import { describe, expect, it } from 'vitest';
import { parseDoctorProbe, type DoctorProbeInput } from '../../src/commands/doctor/probe.js';
import { doctorChecklist, doctorNotes, topLevelElements, topLevelServer, type DoctorFindings } from '../../src/commands/doctor/checks.js';
import { nodeApiOf } from '../../src/hsts/aspera-conf.js';
import { renderDoctor } from '../../src/commands/doctor/render.js';

const DATABASE_FIRST = `<?xml version='1.0' encoding='UTF-8'?>
<CONF version="2">
    <!-- <server><https_port>1</https_port></server> -->
    <database>
        <server>127.0.0.1</server>
        <port>4406</port>
    </database>
    <server>
        <server_name>localhost</server_name>
        <https_port>9093</https_port>
    </server>
    <default><file_system/></default>
</CONF>
`;

describe('aspera.conf, by its structure', () => {
  it('lists the top-level sections in order, comments and nested elements left out', () => {
    expect(topLevelElements(DATABASE_FIRST)).toEqual(['database', 'server', 'default']);
    expect(topLevelElements('<CONF><server/><default></default></CONF>')).toEqual(['server', 'default']);
  });

  it('reads the top-level <server>, not the one inside <database>', () => {
    expect(topLevelServer(DATABASE_FIRST)).toEqual({ server_name: 'localhost', https_port: '9093' });
    expect(topLevelServer('<CONF><default/></CONF>')).toEqual({});
  });

  it.each([
    [DATABASE_FIRST, 9093],
    ['<CONF><server><server_name>x</server_name></server></CONF>', 9092],
    ['<CONF><server><https_port>99999</https_port></server></CONF>', 9092],
    [null, 9092],
  ])('Node API port, case %#', (xml, port) => {
    expect(nodeApiOf(xml).port).toBe(port);
  });
});

const INPUT: DoctorProbeInput = {
  users: [{ user: 'asperadaemon', listed: true }, { user: 'xfer', listed: false }],
  storePlaces: ['localkeystore.db', '.aspera/localkeystore.db'],
  nodeApi: { scheme: 'https', host: '127.0.0.1', port: 9093 },
  nodedUser: 'asperadaemon',
};

const OUTPUT = [
  'hsts=IBM Aspera High-Speed Transfer Server version 4.4.5.1141',
  'unit=asperaredisd 120 asperaredisd asperadaemon /opt/aspera/sbin/asperaredisd 6.0.16',
  'unit=asperaredissentinel 0 - - - -',
  'unit=asperanoded 130 python3 asperadaemon /opt/aspera/sbin/asperanoded -',
  'listen=127.0.0.1:31415 ',
  'listen=0.0.0.0:9093 users:(("python3",pid=130,fd=5))',
  'user=asperadaemon /opt/aspera/var',
  'store=asperadaemon /opt/aspera/var/.aspera/localkeystore.db',
  'user=xfer',
  'owner=root:root 755 /opt/aspera/etc/redis',
  'owner=asperadaemon:aspadmins 755 /opt/aspera/var',
  'askmscli=yes',
  'ping=200',
].join('\n');

describe('the doctor probe\'s answer', () => {
  it('gives services, listeners, homes and stores, owners and the Node API\'s answer', () => {
    const found = parseDoctorProbe(INPUT, OUTPUT);
    expect(found.hstsVersion).toBe('IBM Aspera High-Speed Transfer Server version 4.4.5.1141');
    expect(found.services[0]).toEqual({ unit: 'asperaredisd', pid: 120, binary: 'asperaredisd', user: 'asperadaemon', execPath: '/opt/aspera/sbin/asperaredisd', version: '6.0.16' });
    expect(found.services[1]).toEqual({ unit: 'asperaredissentinel', pid: 0, binary: null, user: null, execPath: null, version: null });
    expect([...found.listening]).toEqual([[31415, [{ address: '127.0.0.1', holders: [] }]], [9093, [{ address: '0.0.0.0', holders: ['python3'] }]]]);
    expect(found.users).toEqual([
      { user: 'asperadaemon', listed: true, home: '/opt/aspera/var', stores: ['/opt/aspera/var/.aspera/localkeystore.db'] },
      { user: 'xfer', listed: false, home: null, stores: [] },
    ]);
    expect(found.owners.get('/opt/aspera/etc/redis')).toBe('root:root 755');
    expect(found).toMatchObject({ askmscli: true, curl: false, nodeApiPing: '200' });
  });

  it('keeps each listener\'s address, IPv6 and scoped ones whole, several on one port apart', () => {
    const found = parseDoctorProbe(INPUT, [
      'listen=172.20.0.2:41415 users:(("redis-sentinel",pid=7,fd=6))',
      'listen=127.0.0.11:41415 ',
      'listen=[::ffff:0.0.0.0]:31415 users:(("python3",pid=9,fd=3))',
      'listen=[fe80::1%eth0]:9092 users:(("asperanoded",pid=11,fd=4))',
      'listen=*:9092 users:(("asperanoded",pid=11,fd=5))',
    ].join('\n'));
    expect([...found.listening]).toEqual([
      [41415, [{ address: '172.20.0.2', holders: ['redis-sentinel'] }, { address: '127.0.0.11', holders: [] }]],
      [31415, [{ address: '[::ffff:0.0.0.0]', holders: ['python3'] }]],
      [9092, [{ address: '[fe80::1%eth0]', holders: ['asperanoded'] }, { address: '*', holders: ['asperanoded'] }]],
    ]);
  });

  it('takes a missing or garbled ping answer as no answer', () => {
    expect(parseDoctorProbe(INPUT, 'ping=').nodeApiPing).toBe('000');
    expect(parseDoctorProbe(INPUT, 'ping=2000').nodeApiPing).toBe('000');
  });
});

describe('the doctor\'s notes', () => {
  const notes = (findings: DoctorFindings, asperaConf: string | null = DATABASE_FIRST) =>
    doctorNotes({ findings, asperaConf, nodedUser: 'asperadaemon' });

  it('names each detail where the node differs from what hsts-cluster assumes', () => {
    expect(notes(parseDoctorProbe(INPUT, OUTPUT))).toEqual([
      'asperaredisd runs as asperaredisd (/opt/aspera/sbin/asperaredisd), not redis-server/redis-sentinel',
      'Redis 6.0.16 is older than 6.2, which rotate-password (multi-password ACLs, Sentinel ACLs and sentinel-pass) needs',
      'Redis 6.0.16 is older than 7.0, which enable-debug-command (verify\'s failover test by DEBUG sleep; older: SENTINEL FAILOVER) needs',
      '/opt/aspera/etc/redis is root:root 755, not asperadaemon\'s: Redis\'s CONFIG REWRITE and Sentinel\'s config saves cannot create their temporary file there',
      'the Node API is on port 9093 (aspera.conf), not IBM\'s default 9092: hsts-cluster asks there',
      'aspera.conf has a <database> section (with its own <server>) before the top-level <server>',
      'asperadaemon\'s localkeystore.db is under ~/.aspera: /opt/aspera/var/.aspera/localkeystore.db',
      'user xfer does not exist (not in the inventory: fine)',
    ]);
  });

  it('has nothing to say about a stock node', () => {
    const stock = parseDoctorProbe(INPUT, [
      'unit=asperaredisd 120 redis-server asperadaemon /usr/bin/redis-server 7.0.15',
      'user=asperadaemon /opt/aspera/var', 'store=asperadaemon /opt/aspera/var/localkeystore.db',
      'user=xfer /home/xfer', 'owner=asperadaemon:aspadmins 755 /opt/aspera/etc/redis',
    ].join('\n'));
    expect(notes(stock, '<CONF><server><server_name>x</server_name></server></CONF>')).toEqual([]);
  });

  it('names a service run by another account than cluster.nodedUser (root is not judged)', () => {
    const found = parseDoctorProbe(INPUT, ['unit=asperanoded 130 asperanoded hsts /opt/aspera/sbin/asperanoded -', 'unit=asperarund 140 asperarund root /opt/aspera/sbin/asperarund -'].join('\n'));
    expect(notes(found, null).filter((n) => n.includes('cluster.nodedUser'))).toEqual([
      'asperanoded runs as hsts, not as cluster.nodedUser asperadaemon: up\'s pre-flight refuses this (the noded user gets the Redis files and asperanoded\'s keystore)',
    ]);
  });

  it('names a home outside /home', () => {
    const found = parseDoctorProbe(INPUT, 'user=xfer /srv/aspera/users/xfer');
    expect(notes(found, null)).toContain('xfer\'s home is /srv/aspera/users/xfer, outside /home');
  });

  it.each([
    ['HTTP only', '<CONF><server><enable_https>false</enable_https><enable_http>true</enable_http></server></CONF>',
      'the Node API is at http://127.0.0.1:9091/ping (aspera.conf), not IBM\'s default https://127.0.0.1:9092/ping: hsts-cluster asks there'],
    ['a listen address', '<CONF><server><listen>192.0.2.7:9092s</listen></server></CONF>',
      'the Node API is at https://192.0.2.7:9092/ping (aspera.conf), not IBM\'s default https://127.0.0.1:9092/ping: hsts-cluster asks there'],
    ['neither served', '<CONF><server><enable_https>false</enable_https></server></CONF>',
      'aspera.conf serves the Node API on neither HTTPS nor HTTP: verify and status ask https://127.0.0.1:9092/ping, IBM\'s default, and find no asperanoded there'],
  ])('names where the Node API is when aspera.conf moves it: %s', (_name, xml, note) => {
    expect(notes(parseDoctorProbe(INPUT, ''), xml)).toContain(note);
  });
});

describe('the checklist', () => {
  it('answers the list in docs/platforms.md from the findings', () => {
    const items = doctorChecklist(parseDoctorProbe(INPUT, OUTPUT), INPUT.nodeApi);
    expect(items.map((c) => [c.ok, c.detail])).toEqual([
      [false, 'absent'],
      [true, 'absent (askmscli -s makes it)'],
      [true, 'found'],
      [true, '/opt/aspera/bin/askmscli'],
      [false, 'curl not found: install curl'],
      [true, 'HTTP 200'],
    ]);
    expect(items[5]!.check).toBe('the Node API answers https://127.0.0.1:9093/ping');
  });

  it.each([
    ['root:root 600', true, 'root:root 600'],
    ['root:root 400', true, 'root:root 400'],
    ['root:root 0', true, 'root:root 0'],
    ['root:root 640', false, 'root:root 640: chown root:root /opt/aspera/etc/rootkeystore.db; chmod 600 /opt/aspera/etc/rootkeystore.db'],
    ['root:aspadmins 600', false, 'root:aspadmins 600: chown root:root /opt/aspera/etc/rootkeystore.db; chmod 600 /opt/aspera/etc/rootkeystore.db'],
    ['asperadaemon:root 600', false, 'asperadaemon:root 600: chown root:root /opt/aspera/etc/rootkeystore.db; chmod 600 /opt/aspera/etc/rootkeystore.db'],
    ['root:root 4600', false, 'root:root 4600: chown root:root /opt/aspera/etc/rootkeystore.db; chmod 600 /opt/aspera/etc/rootkeystore.db'],
  ])('judges the root store as DISA\'s STIG does: %s', (owner, ok, detail) => {
    const items = doctorChecklist(parseDoctorProbe(INPUT, `owner=${owner} /opt/aspera/etc/rootkeystore.db`), INPUT.nodeApi);
    expect([items[1]!.ok, items[1]!.detail]).toEqual([ok, detail]);
  });
});

describe('the doctor\'s text', () => {
  it('names the addresses each port is listened on, and its holders', () => {
    const text = renderDoctor({ ready: true, nodes: [{
      name: 'node1', reachable: true, refusals: [],
      ports: [
        { port: 31415, what: 'Redis', listening: true, holders: ['redis-server'], addresses: ['172.20.0.2'] },
        { port: 41415, what: 'Sentinel', listening: true, holders: [], addresses: ['127.0.0.11'] },
        { port: 9092, what: 'Node API', listening: false, holders: [], addresses: [] },
      ],
    }] });
    expect(text.split('\n').filter((l) => l.startsWith('  port '))).toEqual([
      '  port 31415 (Redis): listening on 172.20.0.2 (redis-server)',
      '  port 41415 (Sentinel): listening on 127.0.0.11',
      '  port 9092 (Node API): free',
    ]);
  });
});
