import ssh2, { type Client } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { pipelining } from '../../src/ssh/pipelined-exec.js';

const internals = (over: Record<string, unknown>) => ({
  _chanMgr: { add: () => 0 },
  _protocol: { session: () => undefined, exec: () => undefined },
  ...over,
}) as unknown as Client;

describe('pipelining: ssh2 internals checked before use', () => {
  it.each([
    ['an ssh2 client not connected yet (no channel manager)', new ssh2.Client()],
    ['no channel manager', internals({ _chanMgr: undefined })],
    ['a protocol without session()', internals({ _protocol: { exec: () => undefined } })],
    ['a protocol without exec()', internals({ _protocol: { session: () => undefined } })],
  ])('%s: null, so the connection keeps to the public Client.exec', (_name, client) => {
    expect(pipelining(client)).toBeNull();
  });

  it('the internals present: the pipelined way', () => {
    expect(pipelining(internals({}))).not.toBeNull();
  });
});

describe('pipelining: an exec request that cannot be sent', () => {
  it('rejects at once and leaves no callback waiting for a reply that will not come', async () => {
    const client = internals({ _protocol: { session: () => undefined, exec: () => { throw new Error('cipher gone'); } } });
    const channel = { _callbacks: [] as unknown[], outgoing: { id: 3, state: 'open' }, incoming: { state: 'open' } };
    await expect(pipelining(client)!.startExec(channel as never, 'true')).rejects.toThrow('cipher gone');
    expect(channel._callbacks).toEqual([]);
  });

  it('sends the request and settles with the reply', async () => {
    const sent: unknown[] = [];
    const client = internals({ _protocol: { session: () => undefined, exec: (...args: unknown[]) => sent.push(args) } });
    const channel = { _callbacks: [] as ((e: boolean) => void)[], outgoing: { id: 3, state: 'open' }, incoming: { state: 'open' } };
    const replied = pipelining(client)!.startExec(channel as never, 'echo hi');
    expect(sent).toEqual([[3, 'echo hi', true]]);
    channel._callbacks[0]!(false);
    await expect(replied).resolves.toBeUndefined();
  });
});
