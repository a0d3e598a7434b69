import { describe, expect, it } from 'vitest';
import { DEFAULT_NODE_API } from '../../src/hsts/aspera-conf.js';
import { isDefaultNodeApi, NodeApiAddresses, parseNodeApi } from '../../src/remote/node-api.js';

const read = (xml: string, owner = 'root') => `${owner} root 644 1 ${xml.length}\n${Buffer.from(xml).toString('base64')}\n`;
const conf = (server: string) => `<?xml version='1.0' encoding='UTF-8'?>\n<CONF version="2">\n<server>${server}</server>\n</CONF>\n`;

describe('the Node API address a day-2 command asks, from the node\'s aspera.conf', () => {
  const cases: { name: string; output: string | undefined; expected: typeof DEFAULT_NODE_API }[] = [
    { name: 'https_port set', output: read(conf('<https_port>9093</https_port>')), expected: { scheme: 'https', port: 9093, host: '127.0.0.1' } },
    { name: 'nothing set: IBM\'s default', output: read(conf('<db_type>ha_redis</db_type>')), expected: DEFAULT_NODE_API },
    { name: 'HTTPS off, HTTP on', output: read(conf('<enable_https>false</enable_https><enable_http>true</enable_http>')), expected: { scheme: 'http', port: 9091, host: '127.0.0.1' } },
    { name: 'listen with an address', output: read(conf('<listen>192.0.2.7:9443s</listen>')), expected: { scheme: 'https', port: 9443, host: '192.0.2.7' } },
    { name: 'a port out of range: the default', output: read(conf('<https_port>70000</https_port>')), expected: DEFAULT_NODE_API },
    { name: 'a file owned by another account is read as data (the port is bounded)', output: read(conf('<https_port>9094</https_port>'), 'asperadaemon'), expected: { scheme: 'https', port: 9094, host: '127.0.0.1' } },
    { name: 'absent', output: 'ABSENT\n', expected: DEFAULT_NODE_API },
    { name: 'refused by the safe read (a link)', output: 'REFUSED /opt/aspera/etc/aspera.conf is a symbolic link\n', expected: DEFAULT_NODE_API },
    { name: 'no answer', output: undefined, expected: DEFAULT_NODE_API },
  ];
  it.each(cases)('$name', ({ output, expected }) => {
    expect(parseNodeApi(output)).toEqual(expected);
  });

  it('knows IBM\'s default when it sees it', () => {
    expect(isDefaultNodeApi(DEFAULT_NODE_API)).toBe(true);
    expect(isDefaultNodeApi({ ...DEFAULT_NODE_API, port: 9093 })).toBe(false);
    expect(isDefaultNodeApi({ ...DEFAULT_NODE_API, scheme: 'http' })).toBe(false);
  });

  it('reads each node once per run, and falls back to the default when the read fails, reading again next time', async () => {
    const asked: string[] = [];
    const addresses = new NodeApiAddresses((node) => {
      asked.push(node.name);
      return Promise.resolve(node.name === 'node2' ? { ok: true, output: read(conf('<https_port>9093</https_port>')) } : { ok: false, output: 'connection lost' });
    });
    const node1 = { name: 'node1' };
    const node2 = { name: 'node2' };
    expect(await addresses.of(node2)).toEqual({ scheme: 'https', port: 9093, host: '127.0.0.1' });
    expect(await addresses.of(node2)).toEqual({ scheme: 'https', port: 9093, host: '127.0.0.1' });
    expect(await addresses.of(node1)).toEqual(DEFAULT_NODE_API);
    expect(await addresses.of(node1)).toEqual(DEFAULT_NODE_API);
    expect(asked).toEqual(['node2', 'node1', 'node1']);
  });

  it('does not keep a read that threw (the node not connected): the next ask reads again', async () => {
    let calls = 0;
    const addresses = new NodeApiAddresses(() => (++calls === 1 ? Promise.reject(new Error('not connected')) : Promise.resolve({ ok: true, output: read(conf('<https_port>9093</https_port>')) })));
    await expect(addresses.of({ name: 'node1' })).rejects.toThrow('not connected');
    expect(await addresses.of({ name: 'node1' })).toEqual({ scheme: 'https', port: 9093, host: '127.0.0.1' });
    expect(calls).toBe(2);
  });
});
