/**
 * A cold start's decision, as tables: the head of an RDB file read (a real one, written by the
 * rig's Redis 7.0.15 with a replica attached), datasets compared, and who `resolveRoles` starts as
 * primary when no Sentinel answers and no Redis has replicas.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareDatasets, newestDatasets, type Dataset } from '../../src/hsts/cold-start.js';
import { HSTS } from '../../src/hsts/paths.js';
import { parseRdbAux } from '../../src/hsts/rdb-header.js';
import { resolveRoles } from '../../src/hsts/roles.js';
import { datasetOf, rdbHeadProbe } from '../../src/facts/runtime-probes.js';
import type { RuntimeFacts } from '../../src/hsts/node-facts.js';
import { buildClusterFacts, buildInventory } from '../support/facts.js';

// `SAVE` on a Redis 7.0.15 primary (master_replid 4a2631d6…, master_repl_offset 60) holding one key.
const REAL_RDB_HEAD = 'UkVESVMwMDEw+glyZWRpcy12ZXIGNy4wLjE1+gpyZWRpcy1iaXRzwED6BWN0aW1lwmvmCmv6CHVzZWQtbWVtwgAgEAD6DnJlcGwtc3RyZWFtLWRiwAD6B3JlcGwtaWQoNGEyNjMxZDY1MmYyNjdmMDg5MzZiZTljZmZjMzY1MmFmNjEzOWVlZPoLcmVwbC1vZmZzZXTAPPoIYW9mLWJhc2XAAP4A+wEAAAp1c2VyOmFsaWNlAXj/Uau8xeyRAMY=';

describe('the head of an RDB file', () => {
  it('reads the aux fields of a real file', () => {
    expect(parseRdbAux(Buffer.from(REAL_RDB_HEAD, 'base64'))).toEqual({
      'redis-ver': '7.0.15', 'redis-bits': '64', ctime: '1795876459', 'used-mem': '1056768',
      'repl-stream-db': '0', 'repl-id': '4a2631d652f267f08936be9cffc3652af6139eed', 'repl-offset': '60', 'aof-base': '0',
    });
  });
  it.each([
    ['not an RDB file', Buffer.from('hello world, no RDB here')],
    ['empty', Buffer.alloc(0)],
  ])('refuses %s', (_name, buf) => expect(parseRdbAux(buf)).toBeNull());
  it('stops at a field cut by the end of the head', () => {
    expect(parseRdbAux(Buffer.from(REAL_RDB_HEAD, 'base64').subarray(0, 60))).toEqual({ 'redis-ver': '7.0.15', 'redis-bits': '64', ctime: '1795876459' });
  });
  it('the probe turns its answer into a dataset; no file, no dataset', () => {
    const probe = rdbHeadProbe('asperadaemon');
    expect(probe.parse({ exitCode: 0, output: `mtime:1795876460\nhead:${REAL_RDB_HEAD}\n`, durationMs: 1 } as never))
      .toEqual({ replid: '4a2631d652f267f08936be9cffc3652af6139eed', offset: 60, savedAt: 1795876459, source: 'RDB file' });
    expect(probe.parse({ exitCode: 0, output: '', durationMs: 1 } as never)).toBeUndefined();
    expect(probe.command.code).not.toMatch(/password|\$IN/);
  });
});

describe.skipIf(process.getuid?.() !== 0)('the RDB head probe on a node where the noded user names the files (runs as root: chown)', () => {
  // The probe's code run by bash on this machine, its configuration path moved into a sandbox.
  let dir: string;
  let conf: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hsts-rdb-head-'));
    chownSync(dir, 65534, 65534);
    conf = join(dir, 'aspera_31415.conf');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const probe = () => {
    const p = rdbHeadProbe('nobody');
    const r = spawnSync('bash', ['-c', p.command.code.replaceAll(HSTS.redisConf, conf)], { encoding: 'utf8', timeout: 10_000 });
    return { status: r.status, output: r.stdout, dataset: p.parse({ exitCode: r.status ?? -1, output: r.stdout, durationMs: 1 } as never) };
  };
  const NOBODY = 65534;
  const rdb = (owner = NOBODY) => {
    writeFileSync(join(dir, 'dump.rdb'), Buffer.from(REAL_RDB_HEAD, 'base64'));
    chownSync(join(dir, 'dump.rdb'), owner, owner);
    utimesSync(join(dir, 'dump.rdb'), 1795876460, 1795876460);
  };

  it('reads the head of the RDB its configuration names', () => {
    rdb();
    writeFileSync(conf, `port 31415\ndir ${dir}\ndbfilename "dump.rdb"\n`);
    expect(probe()).toMatchObject({ status: 0, output: `mtime:1795876460\nhead:${REAL_RDB_HEAD}\n`, dataset: { offset: 60, source: 'RDB file' } });
  });

  const nothing: { name: string; plant: () => void }[] = [
    { name: 'the configuration is a link to a root-only file', plant: () => { rdb(); writeFileSync(join(dir, 'secret'), `dir ${dir}\n`); symlinkSync(join(dir, 'secret'), conf); } },
    { name: 'the configuration is a link to a device (a watchdog would start)', plant: () => symlinkSync('/dev/zero', conf) },
    { name: 'the RDB is a link', plant: () => { rdb(); writeFileSync(conf, `dir ${dir}\ndbfilename link.rdb\n`); symlinkSync(join(dir, 'dump.rdb'), join(dir, 'link.rdb')); } },
    { name: 'the RDB is a FIFO (the batch would hang)', plant: () => { writeFileSync(conf, `dir ${dir}\ndbfilename fifo\n`); spawnSync('mkfifo', [join(dir, 'fifo')]); } },
    { name: 'the RDB is a device', plant: () => writeFileSync(conf, 'dir /dev\ndbfilename zero\n') },
    { name: 'the RDB is a file that is no RDB (its head stays on the node)', plant: () => { writeFileSync(join(dir, 'shadow'), 'root:$6$secret:19000:0:99999:7:::\n'); chownSync(join(dir, 'shadow'), NOBODY, NOBODY); writeFileSync(conf, `dir ${dir}\ndbfilename shadow\n`); } },
    { name: 'the RDB is not the noded user\'s (root\'s /proc/kmsg would lose what it is read)', plant: () => { rdb(0); writeFileSync(conf, `dir ${dir}\n`); } },
    { name: 'the RDB path holds shell syntax', plant: () => writeFileSync(conf, 'dir /tmp\ndbfilename $(id).rdb\n') },
    {
      name: 'the RDB\'s directory is another account\'s (no private link is made there either)',
      plant: () => {
        const other = join(dir, 'other');
        spawnSync('mkdir', ['-m', '755', other]);
        chownSync(other, 1, 1);
        writeFileSync(join(other, 'dump.rdb'), Buffer.from(REAL_RDB_HEAD, 'base64'));
        chownSync(join(other, 'dump.rdb'), NOBODY, NOBODY);
        writeFileSync(conf, `dir ${other}\n`);
      },
    },
    { name: 'the RDB\'s directory is root\'s', plant: () => { writeFileSync(conf, `dir ${tmpdir()}\ndbfilename hsts-none.rdb\n`); } },
  ];
  it.each(nothing)('$name: nothing read, nothing sent, no dataset', ({ plant }) => {
    plant();
    expect(probe()).toMatchObject({ status: 0, output: '', dataset: undefined });
    expect(spawnSync('find', [dir, '-name', '.hsts-cluster.*'], { encoding: 'utf8' }).stdout).toBe('');
  });
});

describe('which dataset is newest', () => {
  const d = (offset?: number, savedAt?: number): Dataset => ({ ...(offset !== undefined ? { offset } : {}), ...(savedAt !== undefined ? { savedAt } : {}), source: 'RDB file' });
  const cases: { name: string; datasets: (Dataset | undefined)[]; newest: string[] }[] = [
    { name: 'the highest offset wins', datasets: [d(100, 50), d(300, 10), d(200, 90)], newest: ['n2'] },
    { name: 'equal offsets, replication ids unknown: the later RDB', datasets: [d(100, 50), d(100, 70), d(100, 60)], newest: ['n2'] },
    {
      name: 'equal offsets in the same history: the same data, a tie whenever each file was written',
      datasets: [{ ...d(100, 50), replid: 'aa' }, { ...d(100, 70), replid: 'aa' }, { ...d(90, 90), replid: 'aa' }], newest: ['n1', 'n2'],
    },
    { name: 'equal offsets in different histories: the later RDB', datasets: [{ ...d(100, 50), replid: 'aa' }, { ...d(100, 70), replid: 'bb' }], newest: ['n2'] },
    { name: 'an offset beats a file that has none', datasets: [d(undefined, 99), d(5, 1)], newest: ['n2'] },
    { name: 'in sync: a tie', datasets: [d(100, 50), d(100, 50), d(90, 50)], newest: ['n1', 'n2'] },
    { name: 'no offsets: the later RDB', datasets: [d(undefined, 5), d(undefined, 9), undefined], newest: ['n2'] },
    { name: 'nothing to compare', datasets: [undefined, d(0), undefined], newest: [] },
  ];
  it.each(cases)('$name', ({ datasets, newest }) => {
    expect(newestDatasets(datasets.map((dataset, i) => ({ name: `n${i + 1}`, ...(dataset ? { dataset } : {}) })))).toEqual(newest);
  });
  it('a running Redis counts past its RDB; one that restarted without its position counts from the file', () => {
    const rdb = d(500, 40);
    expect(datasetOf({ role: 'master', offset: 800, replid: 'abc', replicas: [] }, rdb)).toEqual({ offset: 800, replid: 'abc', savedAt: 40, source: 'running Redis' });
    expect(datasetOf({ role: 'master', offset: 0, replicas: [] }, rdb)).toBe(rdb);
    expect(datasetOf(undefined, undefined)).toBeUndefined();
    expect(compareDatasets(d(1, 1), d(1, 1))).toBe(0);
  });
});

describe('cold start: who is started as primary', () => {
  const inv = buildInventory();
  const ds = (offset: number, savedAt = 1_795_876_459): RuntimeFacts => ({ dataset: { offset, savedAt, replid: 'f00dfeed00', source: 'RDB file' } });
  /** A stopped cluster whose Sentinel files name `filesName` (null: fresh nodes, no files), each node with this runtime. */
  const stopped = (runtimes: RuntimeFacts[], filesName: string | null = 'node1') => buildClusterFacts(
    inv, () => (filesName ? 'stopped' : 'fresh HSTS node'), (node) => ({
      ...(filesName ? { primary: filesName } : {}),
      runtime: runtimes[inv.nodes.indexOf(node)] ?? {},
    }),
  );
  const cold = (tail: string) => `cold start: no Sentinel answered and no Redis had replicas; it holds the newest data${tail}`;
  const cases: { name: string; facts: () => ReturnType<typeof stopped>; primary: string; reason: string }[] = [
    {
      name: 'newest data on a node neither the files nor the inventory name', facts: () => stopped([ds(100), ds(100), ds(250)]),
      primary: 'node3', reason: cold(': replication offset 250 (id f00dfeed…), RDB written 2026-11-28T14:34:19Z, from its RDB file'),
    },
    {
      name: 'after a failover the files name node2, and node2 has the newest data', facts: () => stopped([ds(90), ds(300), ds(290)], 'node2'),
      primary: 'node2', reason: cold(': replication offset 300 (id f00dfeed…), RDB written 2026-11-28T14:34:19Z, from its RDB file'),
    },
    {
      name: 'in sync (a tie) with the files\' choice among the newest: the files decide', facts: () => stopped([ds(100), ds(100), ds(100)], 'node2'),
      primary: 'node2', reason: 'the Sentinel files on node1, node2, node3 name it (no Sentinel answered)',
    },
    {
      name: 'a tie that leaves out the files\' choice: the inventory\'s primary among the tied', facts: () => stopped([ds(400), ds(100), ds(400)], 'node2'),
      primary: 'node1', reason: cold(' (tied with node3): replication offset 400 (id f00dfeed…), RDB written 2026-11-28T14:34:19Z, from its RDB file'),
    },
    {
      name: 'no dataset anywhere: the files decide as before', facts: () => stopped([{}, {}, {}], 'node2'),
      primary: 'node2', reason: 'the Sentinel files on node1, node2, node3 name it (no Sentinel answered)',
    },
    {
      name: 'fresh nodes (no Sentinel files): never a cold start, the inventory even if another node holds more data',
      facts: () => stopped([ds(0), ds(0), ds(900)], null), primary: 'node1', reason: 'the inventory names it',
    },
  ];
  it.each(cases)('$name', ({ facts, primary, reason }) => {
    const roles = resolveRoles(inv, facts());
    expect({ primary: roles.primary.name, reason: roles.reason }).toEqual({ primary, reason });
  });

  it('says so when the cold start keeps the inventory\'s primary too', () => {
    const roles = resolveRoles(inv, stopped([ds(400), ds(100), ds(100)], 'node2'));
    expect(roles.warnings).toEqual([`starting node1 (${inv.nodes[0]!.privateIp}) as primary: ${roles.reason}`]);
    expect(roles.reason).toMatch(/^cold start: .* replication offset 400/);
  });
  it('a Sentinel that answers wins over the data (not a cold start)', () => {
    const facts = stopped([ds(100), ds(100), ds(250)]);
    facts.get('node1')!.runtime.sentinelPrimary = { ip: inv.nodes[0]!.privateIp, port: 31415 };
    expect(resolveRoles(inv, facts).primary.name).toBe('node1');
  });
  it('the files that vote are Sentinel files of this cluster', () => {
    expect(stopped([ds(1)]).get('node1')!.files.get(HSTS.sentinelConf)?.content).not.toBeNull();
  });
});
