import { createServer, connect, type Server, type Socket } from 'node:net';

/** Bytes held in one direction's queue before the sender is paused (backpressure). */
const HIGH_WATER = 1 << 20;

/**
 * One direction of a proxied connection: every chunk read from `from` is written to `to` `delayMs`
 * after it arrived, in arrival order. When more than HIGH_WATER bytes wait, or `to` says its buffer is
 * full, `from` is paused until both clear. `from`'s end is passed on after the last queued chunk.
 */
function delayedPipe(from: Socket, to: Socket, delayMs: number): void {
  const queue: { due: number; chunk: Buffer }[] = [];
  let queuedBytes = 0;
  let timer: NodeJS.Timeout | null = null;
  let ended = false;
  let blocked = false; // `to` asked us to wait for 'drain'

  const updateFlow = () => {
    if (blocked || queuedBytes > HIGH_WATER) from.pause();
    else from.resume();
  };
  const flush = () => {
    timer = null;
    const now = performance.now();
    if (to.destroyed) return;
    while (queue.length > 0 && queue[0]!.due <= now && !blocked) {
      const { chunk } = queue.shift()!;
      queuedBytes -= chunk.length;
      if (!to.write(chunk)) blocked = true;
    }
    if (queue.length === 0 && ended && !to.writableEnded) to.end();
    else schedule();
    updateFlow();
  };
  const schedule = () => {
    if (timer || blocked || queue.length === 0) return;
    timer = setTimeout(flush, Math.max(0, queue[0]!.due - performance.now()));
  };

  to.on('drain', () => { blocked = false; flush(); });
  from.on('data', (chunk: Buffer) => {
    if (delayMs === 0 && queue.length === 0 && !blocked) {
      if (!to.write(chunk)) { blocked = true; updateFlow(); }
      return;
    }
    queue.push({ due: performance.now() + delayMs, chunk });
    queuedBytes += chunk.length;
    schedule();
    updateFlow();
  });
  from.on('end', () => {
    ended = true;
    if (queue.length === 0 && !blocked && !to.writableEnded) to.end();
  });
  // A side that goes away before this direction is complete takes the other side with it.
  from.on('close', () => { if (!ended) to.destroy(); });
  to.on('close', () => {
    if (timer) clearTimeout(timer);
    if (!ended || queue.length > 0) from.destroy();
  });
}

export interface ProxyTarget { host: string; port: number }

/** A listening proxy: its port on 127.0.0.1, and how to stop it (open connections are closed). */
export interface DelayProxy { port: number; target: ProxyTarget; close(): Promise<void> }

/**
 * A TCP proxy on 127.0.0.1 that forwards to `target` and delays every chunk by rttMs/2 in each
 * direction, so a request and its answer take at least rttMs more than they would directly.
 * Loopback only: it listens on 127.0.0.1 and refuses a target that is not a loopback address.
 */
export async function startDelayProxy(target: ProxyTarget, rttMs: number): Promise<DelayProxy> {
  if (!/^127\.\d+\.\d+\.\d+$/.test(target.host) && target.host !== 'localhost') {
    throw new Error(`delay proxy: target ${target.host} is not a loopback address`);
  }
  if (!Number.isFinite(rttMs) || rttMs < 0) throw new Error(`delay proxy: rtt must be a number of ms >= 0, got ${rttMs}`);
  const oneWay = rttMs / 2;
  const sockets = new Set<Socket>();
  // Half-open sockets: one side's end travels through the delay like its data does.
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => sockets.delete(s));
    }
    // Either side failing or closing ends the other: no half-dead pairs are left behind.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    delayedPipe(client, upstream, oneWay);
    delayedPipe(upstream, client, oneWay);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('delay proxy: no port');
  return {
    port: address.port,
    target,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
