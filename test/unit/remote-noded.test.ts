import { describe, expect, it } from 'vitest';
import { CURL_MISSING, nodedPing, parseNodedPing, waitForNoded } from '../../src/remote/noded.js';

const PING = "if command -v curl >/dev/null 2>&1; then curl -sSk --max-time 5 -D - 'https://127.0.0.1:9092/ping' 2>&1 | tr -d '\\r'; else echo 'curl not found: install curl'; fi";

const unavailable = (userMessage: string) =>
  `HTTP/1.1 503 Service Unavailable\nContent-Type: application/json\nContent-Length: 99\n\n${JSON.stringify({ error: { code: 503, reason: 'Service Unavailable', user_message: userMessage } })}`;

describe('remote/noded: the one asperanoded /ping probe', () => {
  it('asks GET /ping over HTTPS on the Node API port with curl, certificate unchecked, bounded in time', () => {
    expect(nodedPing()).toEqual({ label: 'GET https://127.0.0.1:9092/ping', code: PING });
  });

  it.each([
    ['healthy: 200 with an empty body, as IBM\'s nodes answer', 'HTTP/1.1 200 OK\nContent-Length: 0\n\n', { ok: true, message: 'healthy' }],
    ['healthy over HTTP/2 (no reason phrase)', 'HTTP/2 200\ncontent-length: 0\n\n', { ok: true, message: 'healthy' }],
    ['503 with the Node API error body: its user_message', unavailable('keystore of asperadaemon unusable'),
      { ok: false, message: 'keystore of asperadaemon unusable' }],
    ['an error body with a reason only', 'HTTP/1.1 500 Internal Server Error\n\n{"error": {"code": 500, "reason": "Internal Server Error"}}',
      { ok: false, message: 'Internal Server Error' }],
    ['503 without a body', 'HTTP/1.1 503 Service Unavailable\nContent-Length: 0\n\n', { ok: false, message: 'HTTP/1.1 503 Service Unavailable' }],
    ['a body that is no JSON', 'HTTP/1.1 502 Bad Gateway\n\n<html>bad gateway</html>', { ok: false, message: 'HTTP/1.1 502 Bad Gateway' }],
    ['connection refused', 'curl: (7) Failed to connect to 127.0.0.1 port 9092 after 0 ms: Couldn\'t connect to server',
      { ok: false, message: 'curl: (7) Failed to connect to 127.0.0.1 port 9092 after 0 ms: Couldn\'t connect to server' }],
    ['plain HTTP where HTTPS is expected', 'curl: (35) OpenSSL/3.0.11: error:0A00010B:SSL routines::wrong version number',
      { ok: false, message: 'curl: (35) OpenSSL/3.0.11: error:0A00010B:SSL routines::wrong version number' }],
    ['a timeout', 'curl: (28) Operation timed out after 5001 milliseconds with 0 bytes received',
      { ok: false, message: 'curl: (28) Operation timed out after 5001 milliseconds with 0 bytes received' }],
    ['no curl on the node', CURL_MISSING, { ok: false, message: 'curl not found: install curl' }],
    ['a 200 somewhere else is no 200', 'HTTP/1.1 500 x 200 y\n\n', { ok: false, message: 'HTTP/1.1 500 x 200 y' }],
    ['nothing', '', { ok: false, message: 'no answer' }],
  ])('parses %s', (_name, output, health) => {
    expect(parseNodedPing(output)).toEqual(health);
  });

  it('waits with the same probe, fails at once without curl, and says which user and keystore it proves', () => {
    const command = waitForNoded('asperadaemon', { timeoutMs: 30_000 });
    expect(command.label).toBe('check asperanoded (as asperadaemon, through its keystore) answers healthy on port 9092');
    expect(command.code.split('\n')[0]).toBe("command -v curl >/dev/null 2>&1 || { echo 'curl not found: install curl'; exit 1; }");
    expect(command.code).toContain(`last=$(${PING} | sed -n '1p;$p' | tr '\\n' ' '); [[ "$last" =~ ^HTTP/[^\\ ]+\\ 200\\  ]]`);
    expect(command.code).toContain("echo 'asperanoded did not answer healthy on port 9092 within 30 s'");
    expect(command.inputs).toBeUndefined();
  });
});
