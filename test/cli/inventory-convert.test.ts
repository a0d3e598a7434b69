import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { generateUsableKeyPair } from '../support/keys.js';

/** `inventory convert` against the built CLI; no node is contacted (the SSH hosts are loopback, in case a refusal broke). */
describe('hsts-cluster inventory convert', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hsts-inv-convert-'));
  const ini = join(dir, 'hosts.ini');
  const run = (args: string[]) => runCli([...args, '--accept-new-host-keys'], { timeoutMs: 30_000, env: { HSTS_TEST_PW: 'secret-password' } });

  beforeAll(() => {
    writeFileSync(join(dir, 'id_ed25519'), generateUsableKeyPair().private, { mode: 0o600 });
    writeFileSync(join(dir, 'known_hosts'), '');
    writeFileSync(ini, '[hsts_cluster]\nn[1:3] ansible_host=127.0.0.1\n[hsts_cluster:vars]\nansible_ssh_private_key_file=id_ed25519\n');
    mkdirSync(join(dir, 'host_vars'));
    for (const i of [1, 2, 3]) writeFileSync(join(dir, 'host_vars', `n${i}.yml`), `hsts_private_ip: 192.0.2.${10 + i}\nansible_port: ${2200 + i}\n`);
    mkdirSync(join(dir, 'group_vars'));
    writeFileSync(join(dir, 'group_vars', 'all.yml'), 'hsts_cluster: {redisPassword: {env: HSTS_TEST_PW}}\nhsts_ssh: {knownHosts: known_hosts}\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the native inventory on stdout, which converts to itself', async () => {
    const r = await run(['inventory', 'convert', '-i', ini]);
    expect(r.exitCode, r.stderr).toBe(0);
    const native = JSON.parse(r.stdout) as { ssh: unknown; nodes: { name: string; privateIp: string; role: string; ssh: unknown }[] };
    expect(native.ssh).toEqual({ privateKey: 'id_ed25519', knownHosts: 'known_hosts' });
    expect(native.nodes[1]).toEqual({ name: 'n2', privateIp: '192.0.2.12', role: 'replica', ssh: { host: '127.0.0.1', port: 2202 } });
    const file = join(dir, 'native.json');
    writeFileSync(file, r.stdout);
    const again = await run(['inventory', 'convert', '-i', file]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toBe(r.stdout);
  });

  it('--output: a new file of mode 0600; an existing one is kept unless --force', async () => {
    const out = join(dir, 'out.yaml');
    const first = await run(['inventory', 'convert', '-i', ini, '--format', 'yaml', '--output', out]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, 'utf8')).toContain('privateIp: 192.0.2.11');
    writeFileSync(out, 'mine\n');
    const refused = await run(['inventory', 'convert', '-i', ini, '--output', out]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('--output');
    expect(readFileSync(out, 'utf8')).toBe('mine\n');
    const forced = await run(['inventory', 'convert', '-i', ini, '--format', 'yaml', '--output', out, '--force']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('privateIp: 192.0.2.11');
  });

  it.each([
    [['inventory', 'check', '--format', 'yaml'], '--format: applies to inventory convert only'],
    [['inventory', 'convert', '--force'], '--force: needs --output FILE'],
    [['inventory', 'convert', '--group', 'nope'], '--group: is not a group of the Ansible inventory (got "nope")'],
    [['rotate-password', '--new-password-env', 'HSTS_TEST_PW'], '-i: is an Ansible inventory: rotate-password writes into the inventory'],
    [['add-transfer-user', 'alice'], '-i: is an Ansible inventory: add-transfer-user (without --no-save) writes into the inventory'],
  ])('%j: exit 2, %s', async (args, message) => {
    const r = await run([...args, '-i', ini]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
