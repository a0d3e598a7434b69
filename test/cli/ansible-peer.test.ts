import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInventoryDocument } from '../../src/inventory/read-file.js';

/**
 * Ansible itself (Debian's ansible-core: `ansible-inventory --list`, installed by
 * scripts/ensure-host.sh) and hsts-cluster read the same inventories: the hosts of the group and
 * each host's connection variables must be the same in both.
 */
const CLUSTER = 'hsts_cluster:\n  primarySet: rig\n  redisPassword: {env: HSTS_REDIS_PASSWORD}\n';

const INVENTORIES: { name: string; group?: string; files: Record<string, string> }[] = [
  {
    name: 'INI with ranges, :vars, :children and host:port',
    files: {
      'hosts.ini': [
        '[hsts_cluster:children]', 'east', 'west',
        '[east]', 'node[1:2] ansible_host=127.0.0.1', '',
        '[west]', 'node3:2203 ansible_host=127.0.0.1 ansible_user=hsts ansible_become=yes',
        '[east:vars]', 'ansible_port=2201', 'ansible_ssh_private_key_file=keys/id',
        '[all:vars]', 'ansible_user=root',
      ].join('\n'),
      'group_vars/hsts_cluster.yml': CLUSTER,
      'host_vars/node1.yml': 'hsts_private_ip: 10.0.0.1\nansible_port: 2211\n',
      'host_vars/node2/net.yml': 'hsts_private_ip: 10.0.0.2\n',
      'host_vars/node3': 'hsts_private_ip: 10.0.0.3\n',
    },
  },
  {
    name: 'YAML with nested children, group_vars directories and a host in two groups',
    files: {
      'inventory.yml': [
        'all:',
        '  vars:',
        '    ansible_user: admin',
        '    ansible_become: true',
        '  children:',
        '    rig:',
        '      vars:',
        '        ansible_port: 22',
        '      children:',
        '        rig_a:',
        '          hosts:',
        '            10.0.0.[1:2]:',
        '        rig_b:',
        '          vars: {ansible_port: 2222}',
        '          hosts:',
        '            10.0.0.3: {ansible_user: root}',
        '    monitoring:',
        '      vars: {ansible_port: 2022}',
        '      hosts:',
        '        10.0.0.1:',
      ].join('\n'),
      'group_vars/rig/cluster.yml': CLUSTER,
      'group_vars/rig_b.yaml': 'ansible_ssh_private_key_file: ~/.ssh/rig_b\n',
      'group_vars/monitoring.json': '{"ansible_user": "mon"}',
    },
    group: 'rig',
  },
  {
    name: 'INI with ungrouped hosts and a group of groups',
    files: {
      'hosts': [
        'gateway ansible_host=192.0.2.9',
        '[db]', 'db[01:03].example ansible_user=dba ansible_become=True ansible_become_user=root',
        '[hsts_cluster:children]', 'db',
        '[hsts_cluster:vars]', 'ansible_port = 2200',
      ].join('\n'),
      'group_vars/all': CLUSTER,
      'host_vars/db02.example.yml': 'ansible_host: 192.0.2.2\nhsts_private_ip: 10.0.0.22\n',
    },
  },
];

interface AnsibleList { _meta: { hostvars: Record<string, Record<string, unknown>> }; [group: string]: { hosts?: string[]; children?: string[] } | AnsibleList['_meta'] }

function groupHosts(list: AnsibleList, group: string): string[] {
  const entry = list[group] as { hosts?: string[]; children?: string[] } | undefined;
  return [...new Set([...(entry?.hosts ?? []), ...(entry?.children ?? []).flatMap((c) => groupHosts(list, c))])].sort();
}

interface NativeDoc { ssh?: Record<string, unknown>; nodes: { name: string; privateIp: string; ssh?: Record<string, unknown> }[] }

describe('Ansible and hsts-cluster read the same inventory', () => {
  const dirs: string[] = [];
  beforeAll(() => {
    const found = spawnSync('ansible-inventory', ['--version'], { encoding: 'utf8', timeout: 60_000 });
    if (found.error || found.status !== 0) {
      throw new Error('ansible-inventory is missing: run scripts/ensure-host.sh as root (or apt-get install -y --no-install-recommends ansible-core)');
    }
  });
  afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

  it.each(INVENTORIES)('$name', ({ files, group }) => {
    const dir = mkdtempSync(join(tmpdir(), 'ansible-peer-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const main = join(dir, Object.keys(files)[0]!);
    const r = spawnSync('ansible-inventory', ['-i', main, '--list'], {
      encoding: 'utf8', timeout: 120_000, cwd: dir,
      env: { ...process.env, ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true', ANSIBLE_LOCAL_TEMP: join(dir, '.ansible-tmp'), ANSIBLE_HOME: join(dir, '.ansible') },
    });
    expect(r.status, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as AnsibleList;
    const doc = readInventoryDocument(main, 'option', group).value as NativeDoc;

    const theirs = groupHosts(list, group ?? 'hsts_cluster');
    expect(doc.nodes.map((n) => n.name).sort()).toEqual(theirs);
    for (const node of doc.nodes) {
      const vars = list._meta.hostvars[node.name] ?? {};
      const ssh = { ...doc.ssh, ...node.ssh };
      const expected = {
        host: vars.ansible_host ?? node.name,
        port: Number(vars.ansible_port ?? 22),
        user: vars.ansible_user,
        privateKey: vars.ansible_ssh_private_key_file,
        privateIp: vars.hsts_private_ip ?? vars.ansible_host ?? node.name,
        cluster: vars.hsts_cluster,
      };
      const mine = {
        host: ssh.host ?? node.privateIp,
        port: ssh.port ?? 22,
        user: ssh.user,
        privateKey: ssh.privateKey,
        privateIp: node.privateIp,
        cluster: (readInventoryDocument(main, 'option', group).value as { cluster: unknown }).cluster,
      };
      expect(mine, node.name).toEqual(expected);
    }
  });
});
