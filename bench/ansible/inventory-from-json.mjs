#!/usr/bin/env node
// Converts a hsts-cluster inventory (inventory.json, see src/inventory/schema.ts) into an Ansible
// inventory for bench/ansible/up.yml, plus a vars file with the secrets (mode 0600) to pass as
// `-e @FILE`, so that no password is ever on a command line.
//
//   node bench/ansible/inventory-from-json.mjs INVENTORY.json [--out DIR]
//
// Writes DIR/hosts.yml (JSON, which Ansible's yaml inventory plugin reads) and DIR/secrets.yml
// (0600, YAML with every secret tagged !unsafe so that Ansible never templates it). DIR defaults to "ansible" beside the inventory. Prints the two paths, one per line.
// Plain Node.js, no dependencies. The cluster defaults are hsts-cluster's (src/inventory/schema.ts).
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

function fail(message) {
  process.stderr.write(`inventory-from-json: ${message}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let inventoryPath;
let outDir;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out') outDir = args[++i];
  else if (args[i] === '-h' || args[i] === '--help') {
    process.stdout.write('usage: inventory-from-json.mjs INVENTORY.json [--out DIR]\n');
    process.exit(0);
  } else if (!inventoryPath) inventoryPath = args[i];
  else fail(`unexpected argument ${args[i]}`);
}
if (!inventoryPath) fail('usage: inventory-from-json.mjs INVENTORY.json [--out DIR]');
inventoryPath = resolve(inventoryPath);
const baseDir = dirname(inventoryPath);
outDir = resolve(outDir ?? join(baseDir, 'ansible'));

let inv;
try {
  inv = JSON.parse(readFileSync(inventoryPath, 'utf8'));
} catch (e) {
  fail(`${inventoryPath}: ${e.message}`);
}
const cluster = inv.cluster ?? fail('no "cluster" section');
const nodes = inv.nodes ?? fail('no "nodes" list');
if (nodes.length < 3 || nodes.length % 2 === 0) fail(`needs an odd number of nodes, at least 3 (has ${nodes.length})`);
if (nodes.filter((n) => n.role === 'primary').length !== 1) fail('needs exactly one node with role "primary"');

const expandHome = (p) => (p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p);
const fromInventory = (p) => resolve(baseDir, expandHome(p));

/** A secret reference: {"env": NAME}, {"file": PATH} (relative to the inventory) or a literal. */
function secret(ref, where) {
  let value;
  if (typeof ref === 'string') {
    process.stderr.write(`inventory-from-json: warning: ${where} is a literal password in the inventory\n`);
    value = ref;
  } else if (ref && typeof ref.env === 'string') {
    value = process.env[ref.env];
    if (!value) fail(`${where}: environment variable ${ref.env} is not set`);
  } else if (ref && typeof ref.file === 'string') {
    const path = fromInventory(ref.file);
    if (!existsSync(path)) fail(`${where}: ${path} does not exist`);
    value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } else fail(`${where}: expected {"env": NAME}, {"file": PATH} or a string`);
  if (!value) fail(`${where}: empty`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value)) fail(`${where}: must not contain control characters`);
  return value;
}

/** One ssh(1) argument for ansible_ssh_common_args (which Ansible splits like a shell). */
const shellWord = (s) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

const secrets = { hsts_redis_password: secret(cluster.redisPassword, 'cluster.redisPassword') };
const becomePasswords = {};
const hosts = {};
for (const node of nodes) {
  const ssh = { ...(inv.ssh ?? {}), ...(node.ssh ?? {}) };
  const user = ssh.user ?? 'root';
  const knownHosts = fromInventory(ssh.knownHosts ?? '~/.ssh/known_hosts');
  // Strict host keys, like hsts-cluster: only the inventory's known_hosts, unknown keys refused.
  const opts = [
    '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `ConnectTimeout=${Math.max(1, Math.ceil((ssh.connectTimeoutMs ?? 10000) / 1000))}`,
  ];
  if (ssh.privateKey && !ssh.agent) opts.push('-o', 'IdentitiesOnly=yes');
  if (ssh.jumpHost) {
    const j = ssh.jumpHost;
    const jumpKey = j.privateKey ?? ssh.privateKey;
    const proxy = ['ssh', '-W', '%h:%p', '-p', String(j.port ?? 22), '-o', `UserKnownHostsFile=${knownHosts}`,
      '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes',
      ...(jumpKey ? ['-i', fromInventory(jumpKey)] : []), `${j.user ?? 'root'}@${j.host}`];
    opts.push('-o', `ProxyCommand=${proxy.map(shellWord).join(' ')}`);
  }
  const host = {
    ansible_host: ssh.host ?? node.privateIp,
    ansible_port: ssh.port ?? 22,
    ansible_user: user,
    ansible_ssh_common_args: opts.map(shellWord).join(' '),
    private_ip: node.privateIp,
    hsts_role: node.role,
  };
  if (ssh.privateKey) host.ansible_ssh_private_key_file = fromInventory(ssh.privateKey);
  if (user !== 'root') {
    host.ansible_become = true;
    host.ansible_become_method = 'sudo';
    if (ssh.sudoPassword) {
      becomePasswords[node.name] = secret(ssh.sudoPassword, `nodes[${node.name}].ssh.sudoPassword`);
      host.ansible_become_password = `{{ hsts_become_passwords['${node.name}'] }}`;
    }
  }
  hosts[node.name] = host;
}
if (Object.keys(becomePasswords).length > 0) secrets.hsts_become_passwords = becomePasswords;

const n = nodes.length;
const inventory = {
  // Filled by up.yml (group_by) once it knows the primary; declared so that Ansible knows them.
  hsts_primary: { hosts: {} },
  hsts_replicas: { hosts: {} },
  hsts: {
    // Host order is the inventory's: db_host, db_port and the firewall follow it.
    hosts,
    vars: {
      hsts_primary_set: cluster.primarySet ?? 'myprimary',
      hsts_redis_port: cluster.redisPort ?? 31415,
      hsts_sentinel_port: cluster.sentinelPort ?? 41415,
      hsts_quorum: cluster.quorum ?? Math.floor(n / 2) + 1,
      hsts_down_after_ms: cluster.downAfterMs ?? 5000,
      hsts_failover_timeout_ms: cluster.failoverTimeoutMs ?? 60000,
      hsts_save: cluster.save ?? [{ seconds: 60, changes: 10000 }],
      hsts_transfer_users: cluster.transferUsers ?? [],
      hsts_noded_user: cluster.nodedUser ?? 'asperadaemon',
    },
  },
};

mkdirSync(outDir, { recursive: true });
const hostsPath = join(outDir, 'hosts.yml');
const secretsPath = join(outDir, 'secrets.yml');
writeFileSync(hostsPath, `${JSON.stringify(inventory, null, 2)}\n`);
// The secrets: created 0600 under a temporary name, then renamed over the old file.
const tmp = `${secretsPath}.${process.pid}.tmp`;
// YAML single-quoted scalars ('' for '), tagged !unsafe: a password may hold "{{" or "{%".
const unsafe = (v) => `!unsafe '${v.replace(/'/g, "''")}'`;
const yaml = [`hsts_redis_password: ${unsafe(secrets.hsts_redis_password)}`];
if (secrets.hsts_become_passwords) {
  yaml.push('hsts_become_passwords:');
  for (const [name, pw] of Object.entries(secrets.hsts_become_passwords)) yaml.push(`  ${JSON.stringify(name)}: ${unsafe(pw)}`);
}
writeFileSync(tmp, `${yaml.join('\n')}\n`, { mode: 0o600 });
chmodSync(tmp, 0o600);
renameSync(tmp, secretsPath);
process.stdout.write(`${hostsPath}\n${secretsPath}\n`);
