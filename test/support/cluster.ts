import type { Rig, RigNode } from '../rig/rig.js';

/** Helpers that ask a rig node about its cluster, as an administrator would (docker exec, not SSH). */
export function redisCli(rig: Rig, node: RigNode | number, args: string, port = 31415) {
  const target = typeof node === 'number' ? rig.nodes[node]! : node;
  return rig.sh(target, `REDISCLI_AUTH='${rig.redisPassword}' /opt/aspera/bin/asredis -h ${target.privateIp} -p ${port} ${args}`);
}

export async function sentinelPrimaries(rig: Rig, nodes: RigNode[]): Promise<string[]> {
  return Promise.all(nodes.map(async (n) =>
    (await redisCli(rig, n, 'SENTINEL get-master-addr-by-name myprimary', 41415)).output.trim().split('\n')[0] ?? ''));
}

export async function mainPids(rig: Rig, node: RigNode): Promise<string> {
  return (await rig.sh(node, 'systemctl show -p MainPID --value asperaredisd asperaredissentinel asperanoded asperarund')).output;
}

/** Polls `check` every 200 ms, at most `seconds`; returns its last value. */
export async function eventually<T>(check: () => Promise<T>, ok: (v: T) => boolean, seconds = 30): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let value = await check();
  for (let i = 0; i < seconds * 5 && !ok(value) && Date.now() < deadline; i++) {
    await new Promise((r) => setTimeout(r, 200));
    value = await check();
  }
  return value;
}
