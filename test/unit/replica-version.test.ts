import { describe, expect, it } from 'vitest';
import { canReplicateFrom, mixedVersionWarning, replicaVersionProblems, type Version } from '../../src/hsts/redis-version.js';

describe('canReplicateFrom: a replica loads its primary\'s RDB only when its own Redis writes that format or a newer one', () => {
  const cases: { replica: Version; primary: Version; ok: boolean }[] = [
    { replica: [7, 0, 15], primary: [7, 0, 15], ok: true },
    { replica: [6, 0, 16], primary: [7, 0, 15], ok: false }, // RDB 9 cannot load 10: the rig's mixed case
    { replica: [7, 0, 15], primary: [6, 0, 16], ok: true },
    { replica: [6, 0, 16], primary: [6, 2, 14], ok: true }, // both RDB 9
    { replica: [5, 0, 14], primary: [6, 2, 14], ok: true },
    { replica: [7, 0, 15], primary: [7, 2, 4], ok: false }, // 10 < 11
    { replica: [7, 2, 4], primary: [7, 4, 1], ok: false }, // 11 < 12
    { replica: [7, 4, 1], primary: [8, 0, 2], ok: true }, // both 12
    { replica: [4, 0, 14], primary: [5, 0, 0], ok: false },
    { replica: [8, 0, 2], primary: [8, 2, 0], ok: false }, // beyond the table: major.minor
    { replica: [8, 2, 1], primary: [8, 2, 0], ok: true },
    { replica: [9, 0, 0], primary: [8, 0, 0], ok: true },
  ];
  it.each(cases)('replica $replica of primary $primary: $ok', ({ replica, primary, ok }) => {
    expect(canReplicateFrom(replica, primary)).toBe(ok);
  });
});

describe('replicaVersionProblems: pre-flight names each node that could not follow the primary', () => {
  it('names the older replica, both versions and what to do', () => {
    expect(replicaVersionProblems({ name: 'node1', version: [7, 0, 15] }, [{ name: 'node2', version: [6, 0, 16] }, { name: 'node3', version: [7, 0, 15] }])).toEqual([
      'node2: its Redis 6.0.16 cannot follow node1\'s Redis 7.0.15, the primary (a replica cannot load the RDB of a newer Redis, and never links): ' +
        'run the same Redis version on every node, or at least no node older than the primary',
    ]);
  });
  it('judges no node whose version is unknown (its Redis did not answer), and nothing when the primary\'s is unknown', () => {
    expect(replicaVersionProblems({ name: 'node1', version: [7, 0, 15] }, [{ name: 'node2' }])).toEqual([]);
    expect(replicaVersionProblems({ name: 'node1' }, [{ name: 'node2', version: [6, 0, 16] }])).toEqual([]);
  });
  it('lets newer replicas follow an older primary', () => {
    expect(replicaVersionProblems({ name: 'node1', version: [6, 0, 16] }, [{ name: 'node2', version: [7, 0, 15] }, { name: 'node3', version: [7, 0, 15] }])).toEqual([]);
  });
});

describe('mixedVersionWarning: versions a failover could leave unable to follow', () => {
  it('warns when one node could not follow another, naming every known version', () => {
    expect(mixedVersionWarning([{ name: 'node1', version: [7, 0, 15] }, { name: 'node2', version: [6, 0, 16] }, { name: 'node3' }])).toBe(
      'Redis versions differ (node1 7.0.15, node2 6.0.16): after a failover to a newer one, the older could not follow it ' +
        '(a replica cannot load a newer Redis\'s RDB); run one version on every node');
  });
  it('is silent when every pair could follow each other (one RDB format)', () => {
    expect(mixedVersionWarning([{ name: 'node1', version: [6, 2, 14] }, { name: 'node2', version: [6, 0, 16] }, { name: 'node3', version: [5, 0, 14] }])).toBeNull();
    expect(mixedVersionWarning([{ name: 'node1', version: [7, 0, 15] }, { name: 'node2', version: [7, 0, 11] }])).toBeNull();
  });
});
