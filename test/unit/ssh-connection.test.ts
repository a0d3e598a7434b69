import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { authMethods, NodeConnection, SshError } from '../../src/ssh/connection.js';

/** Loopback listeners that end a connection before any SSH is spoken, as a dead node's port proxy does. */
let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function listen(onConnection: (socket: Socket) => void): Promise<number> {
  server = createServer(onConnection);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

function connection(port: number): NodeConnection {
  return new NodeConnection('node3', {
    host: '127.0.0.1', port, user: 'root', knownHostsPath: join(mkdtempSync(join(tmpdir(), 'hsts-conn-')), 'known_hosts'), connectTimeoutMs: 10_000,
  });
}

describe('a connection that ends before the SSH handshake', () => {
  it.each([
    // Once the client has sent its version line: ssh2 then reports ECONNRESET and "connection lost".
    ['reset (two errors from ssh2)', (s: Socket) => s.once('data', () => s.resetAndDestroy())],
    ['closed', (s: Socket) => s.once('data', () => s.destroy())],
  ])('%s: connect rejects with an SshError, and nothing is left unhandled', async (_name, end) => {
    const port = await listen(end);
    const error = await connection(port).connect({ policy: 'strict' }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(SshError);
    expect((error as Error).message).toMatch(/^node3: 127\.0\.0\.1:\d+: /);
    // A second error event with no listener would throw out of the event loop; give it the chance.
    await new Promise((r) => setTimeout(r, 300));
  });
});

describe('authentication methods offered', () => {
  it.each([
    [{ privateKey: Buffer.from('k') }, ['publickey']],
    [{ agent: '/run/agent.sock' }, ['agent']],
    [{ privateKey: Buffer.from('k'), agent: '/run/agent.sock' }, ['publickey', 'agent']],
    [{}, []],
  ])('%o offers %o, never "none" (a round trip no server here accepts)', (auth, methods) => {
    expect(authMethods(auth)).toEqual(methods);
  });
});
