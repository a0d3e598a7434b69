import { spawn } from 'node:child_process';
import type { Rig, RigNode } from '../rig/rig.js';

/**
 * Runs `script` with bash as root in a node (docker exec -i) with `input` on its stdin: the way to
 * hand a password to a command there, since docker exec's argv shows in the node's process list.
 * The output is stdout and stderr together, in arrival order (as Rig.sh gives it).
 */
export function shWithInput(node: RigNode, script: string, input: string): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['exec', '-i', node.container.getId(), 'bash', '-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? 1, output: Buffer.concat(chunks).toString('utf8') }));
    child.stdin.end(input);
  });
}

/**
 * `script` with REDISCLI_AUTH set to `password`, read from stdin (first line) and never in argv.
 * `script` must not read stdin itself.
 */
export function shWithRedisAuth(node: RigNode, password: string, script: string): Promise<{ exitCode: number; output: string }> {
  return shWithInput(node, `IFS= read -r REDISCLI_AUTH; export REDISCLI_AUTH; ${script}`, `${password}\n`);
}

/** Helpers that ask a rig node about its cluster, as an administrator would (docker exec, not SSH). */
export function redisCli(rig: Rig, node: RigNode | number, args: string, port = 31415) {
  const target = typeof node === 'number' ? rig.nodes[node]! : node;
  return shWithRedisAuth(target, rig.redisPassword, `exec /opt/aspera/bin/asredis -h ${target.privateIp} -p ${port} ${args} </dev/null`);
}

export async function sentinelPrimaries(rig: Rig, nodes: RigNode[]): Promise<string[]> {
  return Promise.all(nodes.map(async (n) =>
    (await redisCli(rig, n, 'SENTINEL get-master-addr-by-name myprimary', 41415)).output.trim().split('\n')[0] ?? ''));
}

/**
 * Sentinel rewrites its file in its own format (quoted values, its own lines, mode from its umask) on
 * its first discovery, about 10 s after it starts. Tests that compare a node before and after a
 * command flush every running Sentinel first, so that this rewrite cannot fall between the two.
 */
export async function flushSentinelConfigs(rig: Rig, nodes: RigNode[]): Promise<void> {
  await Promise.all(nodes.map(async (n) => {
    const r = await redisCli(rig, n, 'SENTINEL FLUSHCONFIG', 41415);
    if (r.output.trim() !== 'OK') throw new Error(`${n.name}: SENTINEL FLUSHCONFIG: ${r.output}`);
  }));
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
