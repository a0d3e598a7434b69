import { createServer, type Server } from 'node:net';

/**
 * A local listener the nodes of a bad-input test point at: it counts connections and drops them.
 * Nothing a refused inventory or argument does may reach it.
 */
export interface Decoy {
  port: number;
  connections(): number;
  close(): Promise<void>;
}

export async function startDecoy(): Promise<Decoy> {
  let connections = 0;
  const server: Server = createServer((socket) => { connections++; socket.destroy(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A valid three-node inventory whose nodes are the decoy (key, password and known_hosts beside it). */
export function decoyInventory(port: number): Record<string, any> {
  return {
    cluster: { redisPassword: { file: 'redis-password' } },
    ssh: { privateKey: 'id_ed25519', knownHosts: 'known_hosts', host: '127.0.0.1', port },
    nodes: [
      { name: 'node1', privateIp: '172.30.0.2', role: 'primary' },
      { name: 'node2', privateIp: '172.30.0.3', role: 'replica' },
      { name: 'node3', privateIp: '172.30.0.4', role: 'replica' },
    ],
  };
}
