import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startDelayProxy, type DelayProxy } from '../../bench/delay-proxy.js';

/** A loopback echo server that ends its side when the client ends its own (half-close). */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer({ allowHalfOpen: true }, (s) => {
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as { port: number }).port };
}

/** Sends `data` through the proxy, ends, and collects everything echoed until the far side ends. */
function roundTrip(port: number, data: Buffer[]): Promise<{ echoed: Buffer; firstByteMs: number }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const parts: Buffer[] = [];
    let sentAt = 0;
    let firstByteMs = -1;
    socket.on('connect', () => {
      sentAt = performance.now();
      for (const d of data) socket.write(d);
      socket.end();
    });
    socket.on('data', (d: Buffer) => {
      if (firstByteMs < 0) firstByteMs = performance.now() - sentAt;
      parts.push(d);
    });
    socket.on('end', () => resolve({ echoed: Buffer.concat(parts), firstByteMs }));
    socket.on('error', reject);
  });
}

describe('the benchmark\'s delaying TCP proxy', () => {
  const open: { close(): unknown }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
  });

  it.each([0, 40])('passes every byte in order and the end of the stream, at rtt %i ms', async (rtt) => {
    const echo = await echoServer();
    open.push({ close: () => new Promise((r) => echo.server.close(r)) });
    const proxy: DelayProxy = await startDelayProxy({ host: '127.0.0.1', port: echo.port }, rtt);
    open.push(proxy);
    // Many chunks, some large: more than the proxy's high-water mark in flight, so backpressure engages.
    const chunks = Array.from({ length: 200 }, (_, i) => Buffer.alloc(i % 10 === 0 ? 64 * 1024 : 17, i % 251));
    const { echoed } = await roundTrip(proxy.port, chunks);
    expect(echoed.equals(Buffer.concat(chunks))).toBe(true);
  });

  it('delays an answer by at least the round trip time (a lower bound only)', async () => {
    const echo = await echoServer();
    open.push({ close: () => new Promise((r) => echo.server.close(r)) });
    const proxy = await startDelayProxy({ host: '127.0.0.1', port: echo.port }, 60);
    open.push(proxy);
    const { echoed, firstByteMs } = await roundTrip(proxy.port, [Buffer.from('ping')]);
    expect(echoed.toString()).toBe('ping');
    // Two one-way delays of 30 ms each; timers never fire early (1 ms of timer rounding allowed).
    expect(firstByteMs).toBeGreaterThanOrEqual(59);
  });

  it('closes the client when the target refuses the connection', async () => {
    const echo = await echoServer();
    const port = echo.port;
    await new Promise((r) => echo.server.close(r)); // nothing listens there now
    const proxy = await startDelayProxy({ host: '127.0.0.1', port }, 10);
    open.push(proxy);
    const closed = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: proxy.port });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(true));
    });
    expect(closed).toBe(true);
  });

  it('refuses a target that is not on loopback', async () => {
    await expect(startDelayProxy({ host: '10.11.0.1', port: 22 }, 10)).rejects.toThrow(/not a loopback address/);
  });
});
