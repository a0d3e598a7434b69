import { describe, expect, it } from 'vitest';
import { NEEDS, olderThan, parseRedisVersion, versionProblem } from '../../src/hsts/redis-version.js';

describe('hsts/redis-version', () => {
  it.each([
    ['redis-cli 7.0.15', [7, 0, 15]],
    ['redis-cli 6.0.16 (git:abc)', [6, 0, 16]],
    ['# Server\r\nredis_version:6.2.14\r\n', [6, 2, 14]],
    ['Redis server v=5.0.3 sha=00000000:0 malloc=jemalloc-5.1.0 bits=64', [5, 0, 3]],
    ['', null],
    ['bash: asredis: command not found', null],
  ])('parses %j', (text, want) => {
    expect(parseRedisVersion(text)).toEqual(want);
  });

  it.each([
    [[5, 0, 2], [5, 0, 3], true], [[5, 0, 3], [5, 0, 3], false], [[6, 0, 16], [6, 2, 0], true], [[7, 0, 0], [6, 2, 0], false], [[10, 0, 0], [7, 0, 0], false],
  ] as const)('%j older than %j: %s', (v, min, want) => {
    expect(olderThan([...v], [...min])).toBe(want);
  });

  it('names the version and the feature that needs a newer one; an unknown version is no refusal', () => {
    expect(versionProblem('Redis on node2', [6, 0, 16], NEEDS.rotation))
      .toBe('Redis on node2 is 6.0.16; rotate-password (multi-password ACLs, Sentinel ACLs and sentinel-pass) needs 6.2.0 or later');
    expect(versionProblem('Redis on node2', [7, 0, 15], NEEDS.debugCommand)).toBeNull();
    expect(versionProblem('Redis on node2', null, NEEDS.rediscliAuth)).toBeNull();
  });
});
