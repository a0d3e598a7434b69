import { describe, expect, it } from 'vitest';
import { rdbPath } from '../../src/runner/redis-data.js';

describe('rdbPath', () => {
  it('joins dir and dbfilename as the specification sets them', () => {
    expect(rdbPath('port 31415\ndbfilename redis.31415.rdb\ndir /opt/aspera/var\n')).toBe('/opt/aspera/var/redis.31415.rdb');
  });
  it('uses Redis defaults and systemd\'s working directory when they are not set', () => {
    expect(rdbPath('port 31415\n')).toBe('/dump.rdb');
    expect(rdbPath(null)).toBe('/dump.rdb');
    expect(rdbPath('dir var/redis\n')).toBe('/var/redis/dump.rdb');
  });
  it('reads quoted values the way Redis does', () => {
    expect(rdbPath('dir "/srv/redis data"\ndbfilename "x.rdb"\n')).toBe('/srv/redis data/x.rdb');
  });
});
