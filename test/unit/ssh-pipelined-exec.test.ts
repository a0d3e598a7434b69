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
