import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig, type RigNode } from '../rig/rig.js';
import { runCli } from '../support/cli.js';
import { startAgent } from '../support/ssh-agent.js';

/**
 * Inventories that lean on OpenSSH conventions, against real sshd: nodes named only by a Host alias
 * of an ssh config (HostName, User, IdentityFile, UserKnownHostsFile, ProxyJump through a fourth
 * container that is not in the cluster), and a key held only by an ssh-agent.
 */
let rig: Rig;
let jump: RigNode;
let members: RigNode[];
/** A HOME with no ~/.ssh: nothing of this machine's own ssh setup leaks in. */
let home: string;
const env = () => ({ HOME: home, SSH_AUTH_SOCK: '' });

interface StatusJson { nodes: { name: string; reachable: boolean; error?: string }[] }

beforeAll(async () => {
  rig = await startRig({ nodes: 3, outsiders: 1, dir: mkdtempSync(join(tmpdir(), 'hsts-sshconfig-')) });
  members = rig.nodes.slice(0, 3);
  jump = rig.nodes[3]!;
  home = join(rig.dir, 'home');
  mkdirSync(home);
});
afterAll(async () => {
  await rig?.down();
});

/** The config an operator might have: one alias per node, a pattern for the shared settings, a bastion. */
function writeSshConfig(knownHosts: string): string {
  const path = join(rig.dir, 'ssh_config');
  writeFileSync(path, [
    ...members.flatMap((n, i) => [`Host hsts-node${i + 1}`, `  HostName ${n.privateIp}`]),
    'Host hsts-*',
    '  User root',
    `  IdentityFile ${join(rig.dir, 'id_ed25519')}`,
    '  ProxyJump rig-bastion',
    `  UserKnownHostsFile ${knownHosts}`,
    '  ConnectTimeout 20',
    'Host rig-bastion',
    '  HostName 127.0.0.1',
    `  Port ${jump.sshPort}`,
    '  User root',
    `  IdentityFile ${join(rig.dir, 'id_ed25519')}`,
    '',
  ].join('\n'));
  return path;
}

function aliasInventory(): string {
  return rig.writeInventory('alias-inventory.json', {
    cluster: rig.inventory.cluster,
    ssh: { configFile: 'ssh_config' },
    nodes: members.map((n, i) => ({ name: `node${i + 1}`, privateIp: n.privateIp, role: i === 0 ? 'primary' : 'replica', ssh: { host: `hsts-node${i + 1}` } })),
  } as never);
}

const acceptedFrom = async (node: RigNode, ip: string) =>
  Number((await rig.sh(node, `journalctl -u ssh -o cat | grep -c 'Accepted publickey for root from ${ip} '; true`)).output.trim());

describe('an inventory whose nodes are ssh config Host aliases, through a ProxyJump', () => {
  it('resolves every node through the config without connecting (inventory check)', async () => {
    const knownHosts = join(rig.dir, 'known_hosts_via_bastion');
    writeFileSync(knownHosts, `${[...members.map((n) => `${n.privateIp} ${n.hostKey}`), `[127.0.0.1]:${jump.sshPort} ${jump.hostKey}`].join('\n')}\n`);
    writeSshConfig(knownHosts);
    const r = await runCli(['inventory', 'check', '-i', aliasInventory()], { env: env() });
    expect(r.exitCode, r.stderr).toBe(0);
    members.forEach((n, i) => expect(r.stdout).toContain(`[node${i + 1}] ssh root@${n.privateIp}:22 via root@127.0.0.1:${jump.sshPort} (key ${join(rig.dir, 'id_ed25519')}; known_hosts ${knownHosts}`));
  });

  it('reaches every node over SSH through the bastion container', async () => {
    const jumpIp = jump.privateIp;
    const before = await Promise.all(members.map((n) => acceptedFrom(n, jumpIp)));
    const r = await runCli(['status', '--json', '-i', aliasInventory()], { env: env() });
    const status = JSON.parse(r.stdout) as StatusJson;
    for (const node of status.nodes) expect(node.reachable, `${node.name}: ${node.error ?? ''}\n${r.stderr}`).toBe(true);
    // The nodes saw the logins come from the bastion's address, not from the host.
    const after = await Promise.all(members.map((n) => acceptedFrom(n, jumpIp)));
    after.forEach((count, i) => expect(count, members[i]!.name).toBeGreaterThan(before[i]!));
  });

  it('checks both hops\' host keys: the bastion missing from known_hosts is refused before connecting', async () => {
    const knownHosts = join(rig.dir, 'known_hosts_no_bastion');
    writeFileSync(knownHosts, `${members.map((n) => `${n.privateIp} ${n.hostKey}`).join('\n')}\n`);
    writeSshConfig(knownHosts);
    const r = await runCli(['inventory', 'check', '-i', aliasInventory()], { env: env() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`has no host key for node1's jump host (ProxyJump rig-bastion) ([127.0.0.1]:${jump.sshPort})`);
  });

  it('refuses a node whose key differs from the one known for its address behind the bastion', async () => {
    const knownHosts = join(rig.dir, 'known_hosts_wrong');
    // node2's address carries node3's key.
    writeFileSync(knownHosts, `${[members[0]!.privateIp + ' ' + members[0]!.hostKey, `${members[1]!.privateIp} ${members[2]!.hostKey}`, `${members[2]!.privateIp} ${members[2]!.hostKey}`, `[127.0.0.1]:${jump.sshPort} ${jump.hostKey}`].join('\n')}\n`);
    writeSshConfig(knownHosts);
    // The bound is generous for a slow machine; a jump connection left open would hold the CLI past it.
    const r = await runCli(['status', '--json', '-i', aliasInventory()], { env: env(), timeoutMs: 90_000 });
    expect(r.exitCode, r.stderr).toBe(1);
    const node2 = (JSON.parse(r.stdout) as StatusJson).nodes.find((n) => n.name === 'node2');
    expect(node2?.reachable).toBe(false);
    expect(node2?.error).toMatch(/HOST KEY CHANGED/);
  });
});

describe('the agent-only case: no key in the inventory, no key file in ~/.ssh, SSH_AUTH_SOCK set', () => {
  const agentInventory = () => rig.writeInventory('agent-inventory.json', {
    ...rig.inventory,
    ssh: { knownHosts: 'known_hosts' },
  });

  it('logs in with the key the agent holds', async () => {
    const agent = startAgent(join(rig.dir, 'id_ed25519'));
    try {
      const r = await runCli(['status', '--json', '-i', agentInventory()], { env: { ...env(), ...agent.env } });
      const status = JSON.parse(r.stdout) as StatusJson;
      for (const node of status.nodes) expect(node.reachable, `${node.name}: ${node.error ?? ''}\n${r.stderr}`).toBe(true);
    } finally {
      agent.stop();
    }
  });

  it('with an empty agent, the login is refused and the error says what to do next', async () => {
    const agent = startAgent(null);
    try {
      const r = await runCli(['status', '--json', '-i', agentInventory()], { env: { ...env(), ...agent.env } });
      const node1 = (JSON.parse(r.stdout) as StatusJson).nodes.find((n) => n.name === 'node1')!;
      expect(node1.reachable).toBe(false);
      expect(node1.error).toMatch(/authentication as root failed/);
      expect(node1.error).toMatch(/refused the agent's keys for root: .*authorized_keys.*ssh-add -l/);
    } finally {
      agent.stop();
    }
  });

  it('without an agent and without keys, the inventory is refused before any connection', async () => {
    const r = await runCli(['inventory', 'check', '-i', agentInventory()], { env: env() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('no SSH credential');
  });
});
