import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../rig/rig.js';
import { runCli } from '../support/cli.js';

/**
 * An Ansible inventory of the rig (INI, with the cluster settings in group_vars/) drives plan, up
 * and status exactly as the rig's native inventory does, and `inventory convert` round-trips.
 */
let rig: Rig;
let ansiblePath = '';

/** A command's --json result without what differs between two runs: run ids, Sentinel ids, times, lag, the inventory path. */
function comparable(stdout: string): unknown {
  const text = stdout
    .replace(/\d{8}T\d{6}Z-[a-z0-9]{4}/g, 'RUN')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, 'TIME')
    // Each plan draws new Sentinel ids.
    .replace(/\b[0-9a-f]{40}\b/g, 'ID')
    .replaceAll(ansiblePath, 'INVENTORY')
    .replaceAll(rig.inventoryPath, 'INVENTORY');
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v).filter(([k]) => !/lag|offset|uptime|duration|seconds|ms$|At$|^at$/i.test(k)).map(([k, x]) => [k, strip(x)]));
  };
  return strip(JSON.parse(text));
}

beforeAll(async () => {
  rig = await startRig({ nodes: 3, dir: mkdtempSync(join(tmpdir(), 'hsts-ansible-')) });
  const { cluster } = rig.inventory;
  const hosts = rig.inventory.nodes.map((n) => `${n.name} ansible_host=${n.ssh!.host} ansible_port=${n.ssh!.port} hsts_private_ip=${n.privateIp} hsts_role=${n.role}`);
  ansiblePath = join(rig.dir, 'hosts.ini');
  writeFileSync(ansiblePath, ['[hsts_cluster]', ...hosts, '', '[hsts_cluster:vars]', 'ansible_user=root', 'ansible_ssh_private_key_file=id_ed25519', ''].join('\n'));
  mkdirSync(join(rig.dir, 'group_vars'));
  writeFileSync(join(rig.dir, 'group_vars', 'hsts_cluster.yml'), `hsts_cluster: ${JSON.stringify(cluster)}\nhsts_ssh: {knownHosts: known_hosts, connectTimeoutMs: 10000}\n`);
});
afterAll(async () => {
  await rig?.down();
});

describe('an Ansible inventory of the rig', () => {
  it('plans as the native inventory does', async () => {
    const native = await runCli(['plan', '-i', rig.inventoryPath, '--json']);
    const ansible = await runCli(['plan', '-i', ansiblePath, '--json']);
    expect(native.exitCode, native.stderr).toBe(0);
    expect(ansible.exitCode, ansible.stderr).toBe(0);
    expect(comparable(ansible.stdout)).toEqual(comparable(native.stdout));
  });

  it('brings the cluster up; a second up finds nothing to do with either inventory, alike', async () => {
    const first = await runCli(['up', '-i', ansiblePath, '--json']);
    expect(first.exitCode, first.stderr).toBe(0);
    const ansible = await runCli(['up', '-i', ansiblePath, '--json']);
    const native = await runCli(['up', '-i', rig.inventoryPath, '--json']);
    expect([ansible.exitCode, native.exitCode]).toEqual([0, 0]);
    expect(comparable(ansible.stdout)).toEqual(comparable(native.stdout));
  });

  it('reports the same status', async () => {
    const ansible = await runCli(['status', '-i', ansiblePath, '--json']);
    const native = await runCli(['status', '-i', rig.inventoryPath, '--json']);
    expect([ansible.exitCode, native.exitCode]).toEqual([0, 0]);
    expect(comparable(ansible.stdout)).toEqual(comparable(native.stdout));
  });

  it('converts to a native inventory that converts to itself and plans no change', async () => {
    const out = join(rig.dir, 'converted.yaml');
    const convert = await runCli(['inventory', 'convert', '-i', ansiblePath, '--format', 'yaml', '--output', out]);
    expect(convert.exitCode, convert.stderr).toBe(0);
    const again = await runCli(['inventory', 'convert', '-i', out, '--format', 'yaml']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toBe(readFileSync(out, 'utf8'));
    const refused = await runCli(['inventory', 'convert', '-i', ansiblePath, '--output', out]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('--output');
    const plan = await runCli(['plan', '-i', out, '--json']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const native = await runCli(['plan', '-i', rig.inventoryPath, '--json']);
    expect(comparable(plan.stdout.replaceAll(out, 'INVENTORY'))).toEqual(comparable(native.stdout));
  });
});
