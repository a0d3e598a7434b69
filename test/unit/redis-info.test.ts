import { describe, expect, it } from 'vitest';
import { parseSentinelReplicas } from '../../src/hsts/redis-info.js';

const TWO = ['name', '10.0.0.2:31415', 'ip', '10.0.0.2', 'port', '31415', 'flags', 'slave', 'role-reported', 'slave', 'master-link-status', 'ok',
  'name', '10.0.0.3:31415', 'ip', '10.0.0.3', 'port', '31415', 'flags', 's_down,slave,disconnected', 'role-reported', 'master', 'master-link-status', 'err', ''].join('\n');

describe('parseSentinelReplicas', () => {
  it('gives one record per replica with its fields', () => {
    const replicas = parseSentinelReplicas(TWO);
    expect(replicas).toHaveLength(2);
    expect(replicas[0]).toMatchObject({ ip: '10.0.0.2', flags: 'slave', 'master-link-status': 'ok' });
    expect(replicas[1]).toMatchObject({ ip: '10.0.0.3', flags: 's_down,slave,disconnected', 'role-reported': 'master' });
  });
  it('gives nothing for an empty answer or an error line', () => {
    expect(parseSentinelReplicas('')).toEqual([]);
    expect(parseSentinelReplicas('ERR No such master with that name\n')).toEqual([]);
  });
});
