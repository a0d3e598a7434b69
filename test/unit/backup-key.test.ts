import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/commands/backup/remote.js';
import { BACKUP_KEY, decideBackupKey, parseBackupKey, readBackupKey, writeBackupKey } from '../../src/commands/backup/key.js';
import { renderBatch } from '../../src/ssh/remote-script.js';
import { redisOwner } from '../../src/remote/redis-cli.js';
import { Secret } from '../../src/util/secret.js';

const a = new Secret('a'.repeat(64));
const b = new Secret('b'.repeat(64));

describe('the backup key: one per cluster, the same on every node', () => {
  it.each([
    ['no node holds one: generate it, write it everywhere', [null, null, null], { kind: 'generate', writeTo: ['n1', 'n2', 'n3'] }],
    ['every node holds it', [a, a, a], { kind: 'use', key: a, writeTo: [] }],
    ['a node lacks it (added since): copy it there', [a, null, a], { kind: 'use', key: a, writeTo: ['n2'] }],
  ] as const)('%s', (_name, keys, expected) => {
    expect(decideBackupKey(keys.map((key, i) => ({ node: `n${i + 1}`, key })))).toEqual(expected);
  });

  it('nodes holding different keys: refused, naming the nodes, never a key', () => {
    const decision = decideBackupKey([{ node: 'n1', key: a }, { node: 'n2', key: b }, { node: 'n3', key: a }]);
    expect(decision.kind).toBe('refuse');
    const reason = (decision as { reason: string }).reason;
    expect(reason).toContain('key 1: n1, n3; key 2: n2');
    expect(reason).toContain(BACKUP_KEY);
    expect(reason).not.toContain('aaaa');
  });

  it.each([
    ['', null],
    ['\n', null],
    [`${'c'.repeat(64)}\n`, 'c'.repeat(64)],
    ['not a key\n', Error],
    [`${'C'.repeat(64)}\n`, Error],
    [`${'c'.repeat(63)}\n`, Error],
  ] as const)('reads %j', (output, expected) => {
    const key = parseBackupKey(output);
    if (expected === null) expect(key).toBeNull();
    else if (expected === Error) expect(key).toBeInstanceOf(Error);
    else expect((key as Secret).reveal()).toBe(expected);
  });

  it('reads only a root-owned regular file of mode 0600, and writes through a temporary name; the key only on stdin', () => {
    expect(readBackupKey().code).toContain('[ ! -L ');
    expect(readBackupKey().code).toContain("= '0 600' ]");
    const write = writeBackupKey(a);
    const batch = renderBatch([write], 'run-all');
    expect(batch.script).not.toContain('aaaa');
    expect(write.label).not.toContain('aaaa');
    expect(write.code).toMatch(/mktemp .*\n.*mv -f -T "\$tmp"/);
  });
});

describe('the private Redis a restore loads the backup into', () => {
  const command = loadDataset({ ip: '192.0.2.11', port: 31415, password: new Secret('pw'), owner: redisOwner('asperadaemon') }, Buffer.from('REDIS'), 60_000, 'asperadaemon');
  it('runs as the noded user, never uid 0, with sanitize-dump-payload', () => {
    expect(command.code).toContain("u='asperadaemon'");
    expect(command.code).toMatch(/\[ "\$uid" != 0 \] \|\| \{ echo "the private Redis must run as an account other than root/);
    expect(command.code).toMatch(/timeout 10 runuser -u "\$u" -- "\$srv" .*--sanitize-dump-payload yes/);
  });
  it('root writes nothing into the directory the noded user owns once it is theirs', () => {
    const lines = command.code.split('\n');
    const handedOver = lines.findIndex((l) => l.includes('chown "$u" "$tmp"'));
    expect(handedOver).toBeGreaterThan(0);
    for (const line of lines.slice(handedOver + 1)) expect(line).not.toMatch(/> *"\$tmp\/|split .*"\$tmp\/|cp .*"\$tmp\//);
    expect(command.code).toContain('mktemp -d /var/tmp/hsts-cluster-restore.XXXXXX');
  });
});
