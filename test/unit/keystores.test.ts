import { describe, expect, it } from 'vitest';
import { newSalt, recordState, renderRecord } from '../../src/hsts/askms-record.js';
import { STORE_RECORD, keystoreRecordPath, localKeystoreCandidates, presentKeystore, serviceInputs } from '../../src/hsts/paths.js';
import { shPath } from '../../src/ssh/shell.js';
import { writeFileCommand } from '../../src/steps/common.js';
import { keystores } from '../../src/steps/keystores.js';
import { transferUserKeystores } from '../../src/steps/transfer-users.js';
import type { PlanContext } from '../../src/steps/types.js';
import { buildFacts, buildInventory, contextFor } from '../support/facts.js';

const PASSWORD = 'inventory-pw-1';
const OTHER = 'some-older-pw';
const salt = newSalt();
const record = (password: string) => renderRecord(password, salt);

type Records = Record<string, string | null>;

/** A configured node as facts see it, but for hsts-cluster's records (path -> content, absent when not named). */
function context(records: Records, transferUsers: string[] = ['xfer']): PlanContext {
  const inventory = buildInventory({ password: PASSWORD, transferUsers });
  const paths = [STORE_RECORD, ...['asperadaemon', ...transferUsers].map(keystoreRecordPath)];
  const facts = buildFacts(inventory, 'node1', 'configured primary', { files: Object.fromEntries(paths.map((path) => [path, records[path] ?? null])) });
  return contextFor(inventory, facts, 'node1');
}

const all = (password: string | null): Records => ({
  [STORE_RECORD]: password === null ? null : record(password),
  [keystoreRecordPath('asperadaemon')]: password === null ? null : record(password),
  [keystoreRecordPath('xfer')]: password === null ? null : record(password),
});

const summaries = (ctx: PlanContext) => keystores.plan(ctx).map((c) => c.summary);

describe('the askmscli record', () => {
  it('holds a salted scrypt hash, never the password, and tells which password made it', () => {
    const text = record(PASSWORD);
    expect(text).not.toContain(PASSWORD);
    expect(JSON.parse(text)).toMatchObject({ kdf: 'scrypt', N: 16384, r: 8, p: 1 });
    expect(recordState(Buffer.from(text), PASSWORD)).toBe('matches');
    expect(recordState(Buffer.from(text), OTHER)).toBe('differs');
    expect(recordState(null, PASSWORD)).toBe('absent');
    expect(recordState(Buffer.from('not json'), PASSWORD)).toBe('differs');
    expect(recordState(Buffer.from('{"kdf":"md5","salt":"","hash":""}'), PASSWORD)).toBe('differs');
  });

  it('accepts only the cost it writes: a planted record cannot make the controller allocate gigabytes', () => {
    const planted = { ...JSON.parse(record(PASSWORD)) as Record<string, unknown>, N: 1 << 20, r: 32 };
    expect(recordState(Buffer.from(JSON.stringify(planted)), PASSWORD)).toBe('differs');
  });

  it('differs between salts for the same password', () => {
    expect(renderRecord(PASSWORD, newSalt())).not.toBe(renderRecord(PASSWORD, newSalt()));
  });
});

describe('the keystores step decides from hsts-cluster\'s record only', () => {
  const cases: { name: string; records: Records; want: string[] }[] = [
    { name: 'every record current: nothing to do', records: all(PASSWORD), want: [] },
    {
      name: 'no record at all (configured by hand or by an older hsts-cluster): run askmscli once',
      records: all(null),
      want: [
        'store the Redis password (askmscli -s redis-password): no record of what askmscli holds: run once',
        'make the keystore of asperadaemon (askmscli -i -u asperadaemon): the Redis password is stored again',
        'make the keystore of xfer (askmscli -i -u xfer): the Redis password is stored again',
      ],
    },
    {
      name: 'the password changed: the store and every keystore are renewed',
      records: all(OTHER),
      want: [
        'store the Redis password (askmscli -s redis-password): the inventory\'s password is not the one hsts-cluster last stored',
        'make the keystore of asperadaemon (askmscli -i -u asperadaemon): the Redis password is stored again',
        'make the keystore of xfer (askmscli -i -u xfer): the Redis password is stored again',
      ],
    },
    {
      name: 'only one user\'s record missing: only that keystore',
      records: { ...all(PASSWORD), [keystoreRecordPath('xfer')]: null },
      want: ['make the keystore of xfer (askmscli -i -u xfer): no record of what askmscli holds: run once'],
    },
    {
      name: 'one keystore made with another password: only that keystore',
      records: { ...all(PASSWORD), [keystoreRecordPath('asperadaemon')]: record(OTHER) },
      want: ['make the keystore of asperadaemon (askmscli -i -u asperadaemon): it was made with another password'],
    },
    {
      name: 'a damaged record counts as another password',
      records: { ...all(PASSWORD), [STORE_RECORD]: '{"kdf":' },
      want: [
        'store the Redis password (askmscli -s redis-password): the inventory\'s password is not the one hsts-cluster last stored',
        'make the keystore of asperadaemon (askmscli -i -u asperadaemon): the Redis password is stored again',
        'make the keystore of xfer (askmscli -i -u xfer): the Redis password is stored again',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(summaries(context(c.records))).toEqual(c.want));
  }

  it('a transfer user added to the inventory gets a keystore, the others stay', () => {
    expect(summaries(context(all(PASSWORD), ['alice']))).toEqual([
      'make the keystore of alice (askmscli -i -u alice): no record of what askmscli holds: run once',
    ]);
  });

  it('runs askmscli, then writes the record; touches the stores as opaque files and the records', () => {
    const [store, daemon] = keystores.plan(context(all(null)));
    expect(store!.commands.map((c) => c.label)).toEqual([
      'askmscli -s redis-password < (password on stdin)',
      'askmscli\'s root store is /opt/aspera/etc/rootkeystore.db, where a rollback puts it back',
      `record in ${STORE_RECORD} what askmscli now holds (salted scrypt hash)`,
    ]);
    expect(store!.commands[0]!.code).not.toContain(PASSWORD);
    expect(store!.touches).toEqual([{ kind: 'opaque-file', path: '/opt/aspera/etc/rootkeystore.db' }, { kind: 'file', path: STORE_RECORD }]);
    expect(store!.restarts).toEqual(['asperanoded', 'asperarund']);
    // Every place askmscli may keep the store: the one it writes, present before or not, is put back.
    expect(daemon!.touches).toEqual([
      { kind: 'opaque-file', path: '~asperadaemon/localkeystore.db' },
      { kind: 'opaque-file', path: '~asperadaemon/.aspera/localkeystore.db' },
      { kind: 'file', path: keystoreRecordPath('asperadaemon') },
      { kind: 'user', name: 'asperadaemon' },
    ]);
    expect(daemon!.restarts).toEqual(['asperanoded', 'asperarund']);
    // What the record command writes is a hash of the inventory's password, never the password.
    const written = store!.commands[2]!.inputs!.content as Buffer;
    expect(written.toString()).not.toContain(PASSWORD);
    expect(recordState(written, PASSWORD)).toBe('matches');
    // Every record of one run on a node shares a salt: the next run hashes once per node.
    expect(JSON.parse((daemon!.commands[1]!.inputs!.content as Buffer).toString()).salt).toBe(JSON.parse(written.toString()).salt);
  });

  it('a transfer user\'s keystore restarts nothing; the noded user\'s keystore is what the daemons read', () => {
    const [xfer] = keystores.plan(context({ ...all(PASSWORD), [keystoreRecordPath('xfer')]: null }));
    expect(xfer!.restarts).toBeUndefined();
    expect(serviceInputs('asperadaemon').asperanoded).toEqual(expect.arrayContaining(localKeystoreCandidates('asperadaemon')));
  });

  it('makes keystores for the noded user and the listed transfer users only: xfer when listed', () => {
    const without = summaries(context(all(null), []));
    expect(without).toHaveLength(2);
    expect(without.join('\n')).not.toContain('xfer');
    expect(summaries(context(all(null), ['xfer']))[2]).toBe('make the keystore of xfer (askmscli -i -u xfer): the Redis password is stored again');
  });
});

describe('where a user\'s localkeystore.db is', () => {
  it('is looked for in the home directory and under ~/.aspera, the node expanding ~USER', () => {
    expect(localKeystoreCandidates('xfer')).toEqual(['~xfer/localkeystore.db', '~xfer/.aspera/localkeystore.db']);
    expect(localKeystoreCandidates('xfer').map(shPath)).toEqual(["~xfer/'localkeystore.db'", "~xfer/'.aspera/localkeystore.db'"]);
  });

  it.each([
    [[true, false], '~xfer/localkeystore.db'],
    [[false, true], '~xfer/.aspera/localkeystore.db'],
    [[true, true], '~xfer/localkeystore.db'],
    [[false, false], null],
  ])('present %j: %s', (present, want) => {
    expect(presentKeystore(localKeystoreCandidates('xfer').map((path, i) => ({ path, present: present[i]! })))).toBe(want);
  });
});

describe('add-transfer-user', () => {
  it('needs up\'s record of the stored password first', () => {
    expect(transferUserKeystores.check!(context(all(null), ['alice']))).toEqual([
      `hsts-cluster has no record of storing the Redis password with askmscli (${STORE_RECORD}): run hsts-cluster up first`,
    ]);
    expect(transferUserKeystores.check!(context(all(OTHER), ['alice']))).toEqual([
      'the Redis password hsts-cluster last stored with askmscli is not the inventory\'s: run hsts-cluster up first',
    ]);
    expect(transferUserKeystores.check!(context(all(PASSWORD), ['alice']))).toEqual([]);
  });

  it('makes only the keystores it has no current record of, and is then done', () => {
    const first = transferUserKeystores.plan(context(all(PASSWORD), ['alice', 'bob']));
    expect(first.map((c) => c.summary)).toEqual([
      'make the keystore of alice (askmscli -i -u alice): no record of what askmscli holds: run once',
      'make the keystore of bob (askmscli -i -u bob): no record of what askmscli holds: run once',
    ]);
    const done = { ...all(PASSWORD), [keystoreRecordPath('alice')]: record(PASSWORD), [keystoreRecordPath('bob')]: record(PASSWORD) };
    expect(transferUserKeystores.plan(context(done, ['alice', 'bob']))).toEqual([]);
  });
});

describe('home-relative paths', () => {
  it('leaves ~USER/ for the node to expand and quotes the rest', () => {
    expect(shPath('~asperadaemon/localkeystore.db')).toBe("~asperadaemon/'localkeystore.db'");
    expect(shPath('/opt/it\'s')).toBe("'/opt/it'\\''s'");
    expect(() => shPath('~bad user/x')).toThrow(/bad home-relative path/);
    const write = writeFileCommand({ path: '~xfer/localkeystore.db', content: 'x', owner: 'xfer', group: 'xfer', mode: '600' });
    expect(write.code).toContain("f=~xfer/'localkeystore.db'");
  });
});
