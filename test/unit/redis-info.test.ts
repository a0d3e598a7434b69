import { describe, expect, it } from 'vitest';
import { parseReplication, parseSentinelReplicas } from '../../src/hsts/redis-info.js';

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

describe('parseReplication', () => {
  it('reads a primary and its replicas', () => {
    const info = parseReplication('role:master\r\nconnected_slaves:1\r\nslave0:ip=10.0.0.2,port=31415,state=online,offset=120,lag=0\r\nmaster_repl_offset:120\r\n');
    expect(info).toMatchObject({ role: 'master', offset: 120, replicas: [{ ip: '10.0.0.2', port: 31415, state: 'online', offset: 120, lag: 0 }] });
  });
  it('gives 0, never NaN (null in --json), for a number Redis printed as something else or not at all', () => {
    const primary = parseReplication('role:master\nslave0:ip=10.0.0.2,port=x,state=online\nmaster_repl_offset:?\n');
    expect(primary).toMatchObject({ offset: 0, replicas: [{ port: 0, offset: 0, lag: 0 }] });
    const replica = parseReplication('role:slave\nmaster_host:10.0.0.1\nmaster_link_status:up\n');
    expect(replica).toMatchObject({ role: 'slave', masterPort: 0, offset: 0, linkUp: true });
  });
});
