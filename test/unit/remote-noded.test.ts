import { describe, expect, it } from 'vitest';
import { nodedPing, parseNodedPing, waitForNoded } from '../../src/remote/noded.js';

const PING = "(exec 3<>/dev/tcp/127.0.0.1/9092 && printf 'GET /ping HTTP/1.0\\r\\n\\r\\n' >&3 && timeout 5 cat <&3) 2>&1 | tr -d '\\r'";

describe('remote/noded: the one asperanoded /ping probe', () => {
  it('asks GET /ping on the Node API port, bounded in time', () => {
    expect(nodedPing()).toEqual({ label: 'GET http://127.0.0.1:9092/ping', code: PING });
  });

  it.each([
    ['healthy', 'HTTP/1.0 200 OK\nContent-Type: application/json\n\n{}', { ok: true, message: 'healthy' }],
    ['503 with its reason', 'HTTP/1.0 503 Service Unavailable\n\n{"status": "unhealthy", "reason": "keystore of asperadaemon unusable"}',
      { ok: false, message: 'keystore of asperadaemon unusable' }],
    ['503 without a reason', 'HTTP/1.0 503 Service Unavailable\n\n{}', { ok: false, message: 'HTTP/1.0 503 Service Unavailable' }],
    ['connection refused', 'bash: connect: Connection refused\nbash: line 1: /dev/tcp/127.0.0.1/9092: Connection refused',
      { ok: false, message: 'bash: connect: Connection refused' }],
    ['a 200 somewhere else is no 200', 'HTTP/1.0 500 x 200 y\n\n', { ok: false, message: 'HTTP/1.0 500 x 200 y' }],
    ['nothing', '', { ok: false, message: 'no answer' }],
  ])('parses %s', (_name, output, health) => {
    expect(parseNodedPing(output)).toEqual(health);
  });

  it('waits with the same probe, and says which user and keystore it proves', () => {
    const command = waitForNoded('asperadaemon', { timeoutMs: 30_000 });
    expect(command.label).toBe('check asperanoded (as asperadaemon, through its keystore) answers healthy on port 9092');
    expect(command.code).toContain(`last=$(${PING} | sed -n '1p;$p' | tr '\\n' ' ')`);
    expect(command.code).toContain("echo 'asperanoded did not answer healthy on port 9092 within 30 s'");
    expect(command.inputs).toBeUndefined();
  });
});
