/**
 * A full outage of a rig: every node halted at once and booted again, each at its own address (a
 * real server keeps its IP across a reboot; a Docker container does only when the network has a
 * subnet of its own and the container is connected with that IP: RIG.md, last lines).
 */
import { randomInt } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartedNetwork, getContainerRuntimeClient } from 'testcontainers';
import type { InventoryInput } from '../../src/inventory/schema.js';
import { until } from '../support/wait.js';
import type { Rig } from './rig.js';

/**
 * A bridge network with a subnet of its own (198.18.0.0/15, the benchmarking range, never a real
 * site's): a free /24 is tried until the engine accepts one.
 */
export async function fixedSubnetNetwork(name: string, labels: Record<string, string>): Promise<StartedNetwork> {
  const client = await getContainerRuntimeClient();
  let lastError: unknown;
  for (let attempt = 0; attempt < 20; attempt++) {
    const subnet = `198.${18 + randomInt(2)}.${randomInt(256)}.0/24`;
    try {
      const network = await client.network.create({
        Name: name, CheckDuplicate: true, Driver: 'bridge', Labels: labels,
        IPAM: { Driver: 'default', Config: [{ Subnet: subnet }] },
      });
      return new StartedNetwork(client, name, network);
    } catch (e) {
      lastError = e; // a pool overlapping another rig's: try another
    }
  }
  throw new Error(`no free subnet for ${name}: ${String(lastError)}`);
}

/** SIGRTMIN+3: systemd's "halt" in a container, a clean shutdown (services stopped in order). */
const HALT = '37';

/**
 * Halts every node at once, waits until all are down, then boots them all at once, each with its
 * old IP. The SSH ports Docker maps on the host may change: the rig's inventory and known_hosts follow.
 */
export async function fullOutage(rig: Rig): Promise<void> {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const containers = rig.nodes.map((n) => docker.getContainer(n.container.getId()));
  await Promise.all(containers.map((c) => c.kill({ signal: HALT })));
  const running = async () => (await Promise.all(containers.map(async (c) => (await c.inspect()).State.Running))).some(Boolean);
  await until(async () => !(await running()), 180, 'every node halted');
  const network = docker.getNetwork(rig.network.getId());
  for (const [i, c] of containers.entries()) {
    await network.disconnect({ Container: c.id, Force: true });
    await network.connect({ Container: c.id, EndpointConfig: { IPAMConfig: { IPv4Address: rig.nodes[i]!.privateIp } } });
  }
  await Promise.all(containers.map((c) => c.start()));
  await Promise.all(rig.nodes.map(async (node) => {
    // Right after start, systemd may not answer yet ("offline"): poll until it has booted and sshd listens.
    let last = '';
    await until(async () => {
      last = (await rig.sh(node, 'systemctl is-system-running; systemctl is-active ssh')).output;
      return /^(running|degraded)\s+active\s*$/.test(last.trim());
    }, 300, `${node.name} booted with sshd active`, () => last);
    const r = await rig.sh(node, 'ip -4 -o addr show');
    if (!r.output.includes(`inet ${node.privateIp}/`)) throw new Error(`${node.name} came back without ${node.privateIp}: ${r.output}`);
  }));
  for (const [i, c] of containers.entries()) {
    const ports = (await c.inspect()).NetworkSettings.Ports['22/tcp'] ?? [];
    const port = Number(ports.find((p) => p.HostIp === '0.0.0.0' || p.HostIp === '127.0.0.1')?.HostPort ?? ports[0]?.HostPort);
    rig.nodes[i]!.sshPort = port;
  }
  writeFileSync(join(rig.dir, 'known_hosts'), `${rig.nodes.map((n) => `[127.0.0.1]:${n.sshPort} ${n.hostKey}`).join('\n')}\n`);
  const inventory = JSON.parse(readFileSync(rig.inventoryPath, 'utf8')) as InventoryInput;
  inventory.nodes.forEach((node, i) => { node.ssh = { ...node.ssh, port: rig.nodes[i]!.sshPort }; });
  writeFileSync(rig.inventoryPath, `${JSON.stringify(inventory, null, 2)}\n`);
}
