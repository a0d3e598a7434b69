/** The backup archive (tar, manifest, checksums, passwords left out) and the remote commands of backup and restore. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authenticityRefusal, buildArchive, checkAuthenticity, HMAC_MEMBER, keyId, openArchive, otherCluster, readTar, redactConf, sha256, writeTar, type Authenticity } from '../../src/commands/backup/archive.js';
import { bgsaveAndRead, loadDataset } from '../../src/commands/backup/remote.js';
import { Secret } from '../../src/util/secret.js';

const cluster = { primarySet: 'myprimary', nodes: [{ name: 'node1', privateIp: '192.0.2.11' }, { name: 'node2', privateIp: '192.0.2.12' }] };
const key = Buffer.alloc(32, 7);
const meta = { cluster, createdAt: '2026-11-28T15:00:00.000Z', tool: 'hsts-cluster 0.1.0', redisVersion: '7.0.15', primary: 'node1' };

describe('password directives are left out', () => {
  it.each([
    ['requirepass s3cret', 'requirepass <left out>'],
    ['masterauth "with space"', 'masterauth <left out>'],
    ['sentinel auth-pass myprimary s3cret', 'sentinel auth-pass myprimary <left out>'],
    ['sentinel sentinel-pass s3cret', 'sentinel sentinel-pass <left out>'],
    ['primaryauth s3cret', 'primaryauth <left out>'],
    ['user default on #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 ~* &* +@all', 'user <left out>'],
    ['sentinel monitor myprimary 192.0.2.11 31415 2', 'sentinel monitor myprimary 192.0.2.11 31415 2'],
    ['# requirepass in a comment stays', '# requirepass in a comment stays'],
    ['bind 192.0.2.11', 'bind 192.0.2.11'],
  ])('%s', (line, expected) => expect(redactConf(line)).toBe(expected));
});

describe('the archive', () => {
  const files = [{ path: 'redis.rdb', content: Buffer.from('REDIS0010 data') }, { path: 'nodes/node1/opt/aspera/etc/aspera.conf', content: Buffer.from('<CONF/>\n') }];

  it('is a tar that tar itself lists, and reads back with its checksums checked', () => {
    const { archive, manifest } = buildArchive(meta, files, 's3cret', key);
    const path = join(mkdtempSync(join(tmpdir(), 'hsts-archive-')), 'a.tar');
    writeFileSync(path, archive);
    expect(execFileSync('tar', ['-tf', path], { encoding: 'utf8' }).trim().split('\n')).toEqual(['manifest.json', HMAC_MEMBER, 'redis.rdb', 'nodes/node1/opt/aspera/etc/aspera.conf']);
    expect(execFileSync('tar', ['-xOf', path, 'redis.rdb'], { encoding: 'utf8' })).toBe('REDIS0010 data');
    const opened = openArchive(archive);
    expect(opened.manifest).toEqual(manifest);
    expect(opened.manifest.files.map((f) => f.path)).toEqual(['redis.rdb', 'nodes/node1/opt/aspera/etc/aspera.conf']);
    expect(opened.files.get('redis.rdb')!.toString()).toBe('REDIS0010 data');
  });
  it('refuses to hold the password anywhere', () => {
    expect(() => buildArchive(meta, [{ path: 'redis.rdb', content: Buffer.from('xx s3cret xx') }], 's3cret', key)).toThrow('the password appears in redis.rdb: no archive written');
  });
  it.each([
    ['a damaged member', (a: Buffer) => { const at = a.indexOf(Buffer.from('REDIS0010')); a[at] = 0x41; return a; }, /redis\.rdb: checksum mismatch/],
    ['a cut archive', (a: Buffer) => a.subarray(0, 700), /cut short/],
    ['not a tar', () => Buffer.alloc(2048, 0x41), /not a tar archive/],
    ['no manifest', () => writeTar(files), /no manifest\.json/],
    ['a manifest without a cluster', (a: Buffer) => {
      const tar = readTar(a);
      const manifest = JSON.parse(tar.get('manifest.json')!.toString()) as Record<string, unknown>;
      delete manifest.cluster;
      return writeTar([{ path: 'manifest.json', content: Buffer.from(JSON.stringify(manifest)) }, ...files]);
    }, /manifest\.json names no cluster/],
  ])('refuses %s', (_name, spoil, message) => {
    expect(() => openArchive(spoil(Buffer.from(buildArchive(meta, files, 'pw', key).archive)))).toThrow(message);
  });
  it('reads long files across blocks', () => {
    const big = Buffer.alloc(5000, 7);
    expect(readTar(writeTar([{ path: 'big', content: big }])).get('big')).toEqual(big);
  });
  it.each([
    ['the same cluster', cluster, null],
    ['another primary set', { ...cluster, primarySet: 'other' }, 'it is of primary set "myprimary", this cluster\'s is "other"'],
    ['other addresses', { ...cluster, nodes: [cluster.nodes[0]!, { name: 'node2', privateIp: '192.0.2.99' }] }, 'its nodes are 192.0.2.11, 192.0.2.12, this cluster\'s are 192.0.2.11, 192.0.2.99'],
  ])('another cluster? %s', (_name, current, why) => {
    expect(otherCluster(buildArchive(meta, files, 'pw', key).manifest, current)).toBe(why);
  });
});

describe('backup and restore commands keep the password out of labels and code', () => {
  const password = new Secret('Pa55"word\\x');
  const target = { ip: '192.0.2.11', port: 31415, password, owner: { unit: 'asperaredisd', user: 'asperadaemon' } };
  it.each([
    ['bgsaveAndRead', bgsaveAndRead(target, '/opt/aspera/var/redis.31415.rdb', 60_000, 'asperadaemon')],
    ['loadDataset', loadDataset(target, Buffer.from('REDIS'), 60_000, 'asperadaemon')],
  ])('%s', (_name, command) => {
    expect(command.label).not.toContain('Pa55');
    expect(command.code).not.toContain('Pa55');
    expect(Object.values(command.inputs ?? {})).toContain(password);
    expect(password.reveal()).toBe('Pa55"word\\x');
  });
});

describe('the archive\'s HMAC (format 2): this cluster\'s backup key says whether it made the archive', () => {
  const files = [{ path: 'redis.rdb', content: Buffer.from('REDIS0010 data') }];
  const otherKey = Buffer.alloc(32, 9);
  const signed = () => buildArchive(meta, files, 'pw', key).archive;
  /** The archive with its manifest replaced (and its HMAC member as `hmac` says). */
  const rewritten = (change: (m: Record<string, unknown>) => void, hmac: 'keep' | 'drop' | 'resign-other') => {
    const tar = readTar(signed());
    const manifest = JSON.parse(tar.get('manifest.json')!.toString()) as Record<string, unknown>;
    change(manifest);
    const bytes = Buffer.from(JSON.stringify(manifest));
    const members: { path: string; content: Buffer }[] = [{ path: 'manifest.json', content: bytes }];
    if (hmac === 'keep') members.push({ path: HMAC_MEMBER, content: tar.get(HMAC_MEMBER)! });
    if (hmac === 'resign-other') members.push({ path: HMAC_MEMBER, content: readTar(buildArchive(meta, files, 'pw', otherKey).archive).get(HMAC_MEMBER)! });
    return writeTar([...members, ...files]);
  };
  const evil = Buffer.from('REDIS0010 evil');
  const forgedRdb = (m: Record<string, unknown>) => { m.files = [{ path: 'redis.rdb', sha256: sha256(evil), bytes: evil.length }]; };
  const withEvil = (tar: Buffer) => writeTar([...[...readTar(tar).entries()].filter(([p]) => p !== 'redis.rdb').map(([path, content]) => ({ path, content })), { path: 'redis.rdb', content: evil }]);

  it.each<[string, () => Buffer, Buffer | null, Authenticity]>([
    ['as the backup wrote it', signed, key, 'verified'],
    ['the nodes hold no key', signed, null, 'no-key'],
    ['another cluster\'s key', signed, otherKey, 'other-key'],
    ['its RDB replaced, the manifest\'s checksum with it, this cluster\'s name kept', () => withEvil(rewritten(forgedRdb, 'keep')), key, 'forged'],
    ['its manifest re-signed with another key', () => rewritten(() => undefined, 'resign-other'), key, 'other-key'],
    ['its HMAC removed', () => rewritten(() => undefined, 'drop'), key, 'unsigned'],
    ['a format 1 archive', () => rewritten((m) => { m.format = 'hsts-cluster-backup/1'; }, 'drop'), key, 'unsigned'],
  ])('%s: %s', (_name, archive, nodeKey, expected) => {
    expect(checkAuthenticity(openArchive(archive()), nodeKey)).toBe(expected);
  });

  it('names the key by an id, never the key itself', () => {
    const tar = readTar(signed());
    const signature = tar.get(HMAC_MEMBER)!.toString();
    expect(JSON.parse(signature)).toMatchObject({ alg: 'HMAC-SHA256', keyId: keyId(key) });
    for (const content of tar.values()) {
      expect(content.includes(key)).toBe(false);
      expect(content.toString()).not.toContain(key.toString('hex'));
    }
  });

  it('shows the archive\'s sha256', () => {
    const archive = signed();
    expect(openArchive(archive).sha256).toBe(sha256(archive));
  });

  it.each<[Authenticity, boolean, RegExp | null]>([
    ['verified', false, null],
    ['verified', true, null],
    ['unsigned', false, /carries no HMAC.*pass --force/],
    ['no-key', false, /no node holds this cluster's backup key.*pass --force/],
    ['other-key', false, /signed with a backup key this cluster does not hold.*pass --force/],
    ['forged', false, /does not match its content.*changed after the backup wrote it.*pass --force/],
    ['unsigned', true, null],
    ['other-key', true, null],
    ['forged', true, null],
  ])('%s, --force %s: refused? %s', (authenticity, force, refusal) => {
    const why = authenticityRefusal(authenticity, force);
    if (refusal === null) expect(why).toBeNull();
    else expect(why).toMatch(refusal);
  });
});
