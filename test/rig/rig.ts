import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  GenericContainer, Network, Wait, getContainerRuntimeClient,
  type StartedNetwork, type StartedTestContainer,
} from 'testcontainers';
import type { InventoryInput } from '../../src/inventory/schema.js';
import { nodeImage } from './image.js';
import { generateUsableKeyPair } from '../support/keys.js';
import { fixedSubnetNetwork } from './outage.js';
import { rigTransferUsers, type Variant } from './variants.js';

export const RIG_LABEL = 'org.hsts-cluster.rig';
/** The process that started a rig: a test run sweeps only rigs whose process is gone, never a live run's. */
const OWNER_LABEL = 'org.hsts-cluster.rig-owner';
export const SUDO_USER = 'hstsadmin';

/** The firewall stack a node is built with (hsts-rig-firewall in the image applies it at start). */
export const FIREWALL_PROFILES = ['netfilter-persistent', 'iptables-services', 'firewalld'] as const;
export type FirewallProfile = (typeof FIREWALL_PROFILES)[number];

export interface RigNode {
  name: string;
  /** Its firewall stack (outsiders keep the image's default, netfilter-persistent). */
  firewall: FirewallProfile;
  /** Its host variants (test/rig/variants.ts; none: the stock node). */
  variants: Variant[];
  container: StartedTestContainer;
  privateIp: string;
  sshPort: number;
  /** Its ed25519 host key as known_hosts writes it: "ssh-ed25519 AAAA...". */
  hostKey: string;
}

export interface Rig {
  name: string;
  dir: string;
  network: StartedNetwork;
  nodes: RigNode[];
  inventoryPath: string;
  inventory: InventoryInput;
  redisPassword: string;
  /** Runs a shell command as root inside a node (docker exec, not SSH): for checks and fault planting. */
  sh(node: RigNode | number, command: string): Promise<{ exitCode: number; output: string }>;
  /** Writes an inventory variant beside the rig's own (same keys, known_hosts and password file). */
  writeInventory(fileName: string, inventory: InventoryInput): string;
  down(): Promise<void>;
}

export interface RigOptions {
  nodes?: number;
  name?: string;
  /** Folder for the inventory, the key, known_hosts and the password file. */
  dir: string;
  /** Connect as the non-root sudo user instead of root. */
  sudoUser?: boolean;
  /** Extra containers on the same network that are not in the inventory (outsiders). */
  outsiders?: number;
  /** The members' firewall stack, one for all or one per node (default netfilter-persistent). */
  firewall?: FirewallProfile | FirewallProfile[];
  /** A network with its own subnet, so that `fullOutage` can boot every node again at its old IP. */
  fixedAddresses?: boolean;
  /** Each member's host variants, one list per node (test/rig/variants.ts). */
  variants?: Variant[][];
}

/** Applies a node's firewall profile right after boot and checks it (the script checks itself). */
async function applyFirewallProfile(container: StartedTestContainer, name: string, profile: FirewallProfile): Promise<void> {
  const r = await container.exec(['/usr/local/sbin/hsts-rig-firewall', profile]);
  if (r.exitCode !== 0) throw new Error(`${name}: firewall profile ${profile}: ${r.output.trim()}`);
}

/** Turns a started node into its variants and checks them (hsts-rig-variant in the image). */
async function applyVariants(container: StartedTestContainer, name: string, variants: Variant[]): Promise<void> {
  const r = await container.exec(['/usr/local/sbin/hsts-rig-variant', ...variants]);
  if (r.exitCode !== 0) throw new Error(`${name}: variants ${variants.join(',')}: ${r.output.trim()}`);
}

function networkName(name: string): string {
  return `hsts-rig-${name}`;
}

async function startNode(image: string, rig: string, network: StartedNetwork, name: string, publicKey: string) {
  return new GenericContainer(image)
    .withName(name)
    .withHostname(name)
    .withLabels({ [RIG_LABEL]: rig, [OWNER_LABEL]: `${hostname()}:${process.pid}` })
    .withNetwork(network)
    // SYS_PTRACE: root sees other users' sockets in `ss -p`, as root on a real host does.
    .withAddedCapabilities('NET_ADMIN', 'SYS_ADMIN', 'SYS_PTRACE')
    .withTmpFs({ '/run': 'rw', '/run/lock': 'rw' })
    .withBindMounts([{ source: '/sys/fs/cgroup', target: '/sys/fs/cgroup', mode: 'ro' }])
    .withExposedPorts(22)
    .withCopyContentToContainer([
      { content: `${publicKey}\n`, target: '/root/.ssh/authorized_keys', mode: 0o600 },
      { content: `${publicKey}\n`, target: `/home/${SUDO_USER}/.ssh/authorized_keys`, mode: 0o644 },
    ])
    .withWaitStrategy(Wait.forSuccessfulCommand('systemctl is-system-running --wait'))
    .withStartupTimeout(300_000)
    .start();
}

/** Starts N nodes on their own network and writes a ready inventory for them. */
export async function startRig(options: RigOptions): Promise<Rig> {
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  const count = options.nodes ?? 3;
  const name = options.name ?? `${TEST_RIG_PREFIX}${randomBytes(3).toString('hex')}`;
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const image = nodeImage();
  const keys = generateUsableKeyPair(`hsts-rig-${name}`);
  const network = options.fixedAddresses
    ? await fixedSubnetNetwork(networkName(name), { [RIG_LABEL]: name })
    : await new Network({ nextUuid: () => networkName(name) }).start();
  const containers: StartedTestContainer[] = [];
  const down = async () => {
    await Promise.allSettled(containers.map((c) => c.stop({ timeout: 0, remove: true })));
    await network.stop().catch(() => undefined);
  };
  try {
    const names = Array.from({ length: count + (options.outsiders ?? 0) }, (_, i) =>
      i < count ? `${name}-node${i + 1}` : `${name}-outsider${i - count + 1}`);
    const started = await Promise.allSettled(names.map((n) => startNode(image, name, network, n, keys.public)));
    for (const result of started) if (result.status === 'fulfilled') containers.push(result.value);
    const failure = started.find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;

    const profileOf = (i: number): FirewallProfile => {
      if (i >= count) return 'netfilter-persistent';
      const f = options.firewall ?? 'netfilter-persistent';
      return typeof f === 'string' ? f : f[i] ?? 'netfilter-persistent';
    };
    const variantsOf = (i: number): Variant[] => (i < count ? options.variants?.[i] : undefined) ?? [];
    const nodes: RigNode[] = await Promise.all(containers.map(async (container, i) => {
      if (profileOf(i) !== 'netfilter-persistent') await applyFirewallProfile(container, names[i]!, profileOf(i));
      if (variantsOf(i).length > 0) await applyVariants(container, names[i]!, variantsOf(i));
      const r = await container.exec(['cat', '/etc/ssh/ssh_host_ed25519_key.pub']);
      if (r.exitCode !== 0) throw new Error(`${names[i]}: no host key: ${r.output}`);
      return {
        name: names[i]!,
        firewall: profileOf(i),
        variants: variantsOf(i),
        container,
        privateIp: container.getIpAddress(network.getName()),
        sshPort: container.getMappedPort(22),
        hostKey: r.output.trim().split(/\s+/).slice(0, 2).join(' '),
      };
    }));
    writeFileSync(join(dir, 'id_ed25519'), keys.private, { mode: 0o600 });
    chmodSync(join(dir, 'id_ed25519'), 0o600);
    writeFileSync(join(dir, 'known_hosts'), `${nodes.map((n) => `[127.0.0.1]:${n.sshPort} ${n.hostKey}`).join('\n')}\n`);
    const redisPassword = randomBytes(18).toString('base64url');
    writeFileSync(join(dir, 'redis-password'), `${redisPassword}\n`, { mode: 0o600 });

    const members = nodes.slice(0, count);
    const inventory: InventoryInput = {
      cluster: {
        primarySet: 'myprimary',
        redisPassword: { file: 'redis-password' },
        downAfterMs: 1000,
        failoverTimeoutMs: 3000,
        transferUsers: rigTransferUsers(members.map((n) => n.variants)),
      },
      ssh: {
        user: options.sudoUser ? SUDO_USER : 'root',
        privateKey: 'id_ed25519',
        knownHosts: 'known_hosts',
        connectTimeoutMs: 10_000,
      },
      nodes: members.map((node, i) => ({
        name: `node${i + 1}`,
        privateIp: node.privateIp,
        role: i === 0 ? 'primary' : 'replica',
        ssh: { host: '127.0.0.1', port: node.sshPort },
      })),
    };
    const writeInventory = (fileName: string, inv: InventoryInput) => {
      const path = join(dir, fileName);
      writeFileSync(path, `${JSON.stringify(inv, null, 2)}\n`);
      return path;
    };
    const inventoryPath = writeInventory('inventory.json', inventory);
    return {
      name,
      dir,
      network,
      nodes,
      inventoryPath,
      inventory,
      redisPassword,
      async sh(node, command) {
        const target = typeof node === 'number' ? nodes[node]! : node;
        const r = await target.container.exec(['bash', '-c', command]);
        return { exitCode: r.exitCode, output: r.output };
      },
      writeInventory,
      down,
    };
  } catch (e) {
    await down();
    throw e;
  }
}

/** Removes a rig's containers and network by name, also when the process that made them is gone. */
export async function removeRig(name: string): Promise<number> {
  return sweepRigs((rig) => rig === name);
}

function ownerAlive(owner: string | undefined): boolean {
  const [host, pid] = (owner ?? '').split(':');
  if (host !== hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes every rig whose name passes `which` (all rigs when omitted). With `abandonedOnly`, only rigs
 * whose starting process on this host is gone: another test run on the machine keeps its rigs.
 */
export async function sweepRigs(which: (rig: string) => boolean = () => true, abandonedOnly = false): Promise<number> {
  const client = await getContainerRuntimeClient();
  const docker = client.container.dockerode;
  const found = (await docker.listContainers({ all: true, filters: { label: [RIG_LABEL] } }))
    .filter((c) => which(c.Labels[RIG_LABEL] ?? '') && !(abandonedOnly && ownerAlive(c.Labels[OWNER_LABEL])));
  await Promise.all(found.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  const removedRigs = new Set(found.map((c) => c.Labels[RIG_LABEL]));
  const networks = await docker.listNetworks({ filters: { name: ['hsts-rig-'] } });
  await Promise.all(networks
    .map((n) => ({ id: n.Id, rig: n.Name.slice('hsts-rig-'.length), ours: n.Name.startsWith('hsts-rig-') }))
    .filter((n) => n.ours && which(n.rig) && (!abandonedOnly || removedRigs.has(n.rig)))
    .map((n) => docker.getNetwork(n.id).remove().catch(() => undefined)));
  return found.length;
}

/** Test rigs are named with this prefix, so that sweeping them never touches a person's rig. */
export const TEST_RIG_PREFIX = 'it-';
