import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { decoyInventory, startDecoy, type Decoy } from '../support/decoy.js';
import { generateUsableKeyPair } from '../support/keys.js';

/**
 * Bad inventories and arguments: exit 2, one line naming the field or flag, and no SSH connection.
 * The nodes point at a local listener that counts connections; it must count none.
 */
let decoy: Decoy;
let port = 0;
const dir = mkdtempSync(join(tmpdir(), 'hsts-bad-input-'));

beforeAll(async () => {
  decoy = await startDecoy();
  port = decoy.port;
  const keys = generateUsableKeyPair();
  writeFileSync(join(dir, 'id_ed25519'), keys.private, { mode: 0o600 });
  writeFileSync(join(dir, 'redis-password'), 'secret-password\n', { mode: 0o600 });
  // Any key will do: the listener never gets as far as offering one; strict checking needs an entry.
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${keys.public.split(' ').slice(0, 2).join(' ')}\n`);
});
afterAll(() => decoy.close());

type Inventory = Record<string, any>;
const valid = (): Inventory => decoyInventory(port);
const edit = (change: (inv: Inventory) => void) => () => {
  const inv = valid();
  change(inv);
  return inv;
};

const inventories: [string, () => Inventory | string, RegExp][] = [
  ['two nodes', edit((i) => i.nodes.pop()), /nodes: needs at least 3 nodes, has 2/],
  ['four nodes', edit((i) => i.nodes.push({ name: 'node4', privateIp: '172.30.0.5', role: 'replica' })), /nodes: needs an odd number of nodes/],
  ['no primary', edit((i) => { i.nodes[0].role = 'replica'; }), /nodes: needs exactly one node with role "primary", has 0/],
  ['two primaries', edit((i) => { i.nodes[1].role = 'primary'; }), /has 2/],
  ['the specification\'s 10.11.52.348', edit((i) => { i.nodes[1].privateIp = '10.11.52.348'; }), /nodes\[1\]\.privateIp: is not a valid IPv4 address.*10\.11\.52\.348/],
  ['IP with three parts', edit((i) => { i.nodes[2].privateIp = '172.30.0'; }), /nodes\[2\]\.privateIp/],
  ['IP with leading zero', edit((i) => { i.nodes[2].privateIp = '172.30.0.04'; }), /nodes\[2\]\.privateIp/],
  ['duplicate name', edit((i) => { i.nodes[2].name = 'node1'; }), /nodes\[2\]\.name: "node1" is also the name of nodes\[0\]/],
  ['duplicate IP', edit((i) => { i.nodes[2].privateIp = '172.30.0.2'; }), /nodes\[2\]\.privateIp: 172\.30\.0\.2 is also the privateIp of nodes\[0\]/],
  ['bad role', edit((i) => { i.nodes[1].role = 'secondary'; }), /nodes\[1\]\.role/],
  ['quorum 1', edit((i) => { i.cluster.quorum = 1; }), /cluster\.quorum: must be at least 2 and below the number of Sentinels \(3\), is 1/],
  ['quorum 3 of 3', edit((i) => { i.cluster.quorum = 3; }), /cluster\.quorum: .* is 3/],
  ['primary set with a space', edit((i) => { i.cluster.primarySet = 'my primary'; }), /cluster\.primarySet: may hold only letters/],
  ['primary set with a slash', edit((i) => { i.cluster.primarySet = 'a/b'; }), /cluster\.primarySet/],
  ['port 0', edit((i) => { i.cluster.redisPort = 0; }), /cluster\.redisPort: must be 1-65535/],
  ['port 70000', edit((i) => { i.cluster.sentinelPort = 70000; }), /cluster\.sentinelPort: must be 1-65535/],
  ['fractional port', edit((i) => { i.cluster.redisPort = 314.15; }), /cluster\.redisPort: must be a whole number/],
  ['same Redis and Sentinel port', edit((i) => { i.cluster.sentinelPort = 31415; }), /cluster\.sentinelPort: must differ from redisPort/],
  ['unknown cluster field', edit((i) => { i.cluster.quorom = 2; }), /cluster\.quorom: unknown field "quorom"\n {2}hint: did you mean "quorum"\?/],
  ['unknown node field', edit((i) => { i.nodes[0].ip = '1.2.3.4'; }), /nodes\[0\]\.ip: unknown field "ip"\n {2}hint: did you mean "privateIp"\?/],
  ['missing password', edit((i) => { delete i.cluster.redisPassword; }), /cluster\.redisPassword: is required/],
  ['password from an unset variable', edit((i) => { i.cluster.redisPassword = { env: 'HSTS_TEST_UNSET_VAR' }; }), /cluster\.redisPassword\.env: environment variable HSTS_TEST_UNSET_VAR is not set/],
  ['password file missing', edit((i) => { i.cluster.redisPassword = { file: 'nope.txt' }; }), /cluster\.redisPassword\.file: .*nope\.txt does not exist/],
  ['private key missing', edit((i) => { i.ssh.privateKey = 'missing_key'; }), /ssh\.privateKey: .*missing_key does not exist/],
  ['no SSH credential', edit((i) => { delete i.ssh.privateKey; }), /ssh: no SSH credential: neither privateKey nor agent is set/],
  ['bad user name', edit((i) => { i.nodes[1].ssh = { user: 'Root Admin' }; }), /nodes\[1\]\.ssh\.user: must be a system user name/],
  ['bad transfer user', edit((i) => { i.cluster.transferUsers = ['ok', 'no way']; }), /cluster\.transferUsers\[1\]: must be a system user name/],
  ['nodes not a list', edit((i) => { i.nodes = {}; }), /nodes: /],
  ['password Sentinel cannot write back', edit((i) => { i.cluster.redisPassword = 'two words'; }), /cluster\.redisPassword: must not contain spaces, quotes or backslashes/],
  ['not JSON', () => '{ "cluster": ', /not valid JSON/],
];

const argumentCases: [string, string[], RegExp][] = [
  ['--forks 0', ['up', '--forks', '0'], /--forks <n>.*must be a whole number from 1/],
  ['--forks abc', ['up', '--forks', 'abc'], /--forks/],
  ['--wait-transfers -5', ['up', '--wait-transfers', '-5'], /--wait-transfers/],
  ['--wait-timeout 0', ['up', '--wait-timeout', '0'], /--wait-timeout/],
  ['unknown option', ['up', '--force-everything'], /unknown option '--force-everything'/],
  ['unknown command', ['upp'], /unknown command 'upp'/],
  ['missing inventory file', ['up', '-i', 'does-not-exist.json'], /-i .*does-not-exist\.json: no such inventory file/],
  ['add-transfer-user --shell without --create', ['add-transfer-user', 'alice', '--shell', '/bin/bash'], /--shell: applies only with --create .*\(got "\/bin\/bash"\)\n {2}hint: add --create, or leave --shell out/],
  ['add-transfer-user --shell relative', ['add-transfer-user', 'alice', '--create', '--shell', 'bash'], /option '--shell <path>' argument 'bash' is invalid\. "bash" must be an absolute path/],
  ['add-transfer-user --shell with ..', ['add-transfer-user', 'alice', '--create', '--shell', '/usr/../bin/sh'], /option '--shell <path>' argument '\/usr\/\.\.\/bin\/sh' is invalid\..*no empty, \. or \.\. component/],
  ['add-transfer-user --shell with shell syntax', ['add-transfer-user', 'alice', '--create', '--shell', '/bin/sh;id'], /option '--shell <path>' argument '\/bin\/sh;id' is invalid/],
];

describe('bad input: exit 2, the field named, nothing touched', () => {
  it.each(inventories)('%s', async (_name, make, expected) => {
    const inv = make();
    const file = join(dir, `inv-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, typeof inv === 'string' ? inv : JSON.stringify(inv));
    const before = decoy.connections();
    // No agent and a HOME without ~/.ssh: the person's own keys must not stand in for the inventory's.
    const r = await runCli(['up', '-i', file], { timeoutMs: 120_000, env: { SSH_AUTH_SOCK: '', HOME: dir } });
    expect(r.stderr).toMatch(expected);
    expect(r.exitCode).toBe(2);
    expect(decoy.connections()).toBe(before);
    expect(r.stderr).not.toContain('secret-password');
  });

  it.each(argumentCases)('%s', async (_name, args, expected) => {
    const file = join(dir, 'valid.json');
    writeFileSync(file, JSON.stringify(valid()));
    const before = decoy.connections();
    const r = await runCli(args.includes('-i') ? args : [...args, '-i', file], { timeoutMs: 120_000 });
    expect(r.stderr).toMatch(expected);
    expect(r.exitCode).toBe(2);
    expect(decoy.connections()).toBe(before);
  });

  it('a valid inventory does reach the nodes (the listener is real)', async () => {
    const file = join(dir, 'reach.json');
    writeFileSync(file, JSON.stringify(valid()));
    const before = decoy.connections();
    const r = await runCli(['plan', '-i', file], { timeoutMs: 120_000 });
    expect(r.exitCode).toBe(1);
    expect(decoy.connections()).toBeGreaterThan(before);
  });

  it('status and verify write no journal: an unwritable journal directory does not stop them', async () => {
    const file = join(dir, 'reach.json');
    writeFileSync(file, JSON.stringify(valid()));
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    for (const command of ['status', 'verify']) {
      const before = decoy.connections();
      const r = await runCli([command, '-i', file, '--journal-dir', join(dir, 'not-a-dir', 'journal')], { timeoutMs: 120_000 });
      expect(r.stderr).not.toContain('audit journal');
      expect(r.exitCode, r.stderr).toBe(1);
      expect(decoy.connections()).toBeGreaterThan(before);
    }
  });
});
