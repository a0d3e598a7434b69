import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAnsibleIni } from '../../src/inventory/ansible-ini.js';
import { expandHostRange } from '../../src/inventory/ansible-source.js';
import { AnsibleVars } from '../../src/inventory/ansible-vars.js';
import { loadInventory, parseInventory } from '../../src/inventory/load.js';
import { readInventoryDocument } from '../../src/inventory/read-file.js';
import { UsageError } from '../../src/util/errors.js';
import type { Problem } from '../../src/util/problem.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** Writes the files (the first one is the inventory) in a fresh directory and reads the inventory. */
function read(files: Record<string, string>, group?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'ansible-inv-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const main = join(dir, Object.keys(files)[0]!);
  return { dir, main, doc: () => readInventoryDocument(main, 'option', group) };
}

function refusal(files: Record<string, string>, group?: string): Problem & { where: string } {
  const { dir, doc } = read(files, group);
  try {
    doc();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    const p = e.details[0]!;
    return { ...p, where: `${(p.file ?? '').replace(`${dir}/`, '')}:${p.line ?? '-'}:${p.column ?? '-'}` };
  }
  throw new Error('no refusal');
}

const CLUSTER_VARS = 'hsts_cluster:\n  primarySet: rig\n  redisPassword: {env: HSTS_REDIS_PASSWORD}\n';

describe('host ranges, as Ansible expands them', () => {
  it.each([
    ['node[1:3]', ['node1', 'node2', 'node3']],
    ['db[01:03].example', ['db01.example', 'db02.example', 'db03.example']],
    ['n[0:6:3]', ['n0', 'n3', 'n6']],
    ['web-[a:c]', ['web-a', 'web-b', 'web-c']],
    ['r[1:2]c[1:2]', ['r1c1', 'r1c2', 'r2c1', 'r2c2']],
    ['plain', ['plain']],
  ])('%s', (pattern, hosts) => expect(expandHostRange(pattern)).toEqual(hosts));

  it.each(['node[3:1]', 'node[01:3]', 'node[1-3]', 'node[a:3]'])('%s is refused with a reason', (pattern) => {
    expect(typeof expandHostRange(pattern)).toBe('string');
  });
});

describe('INI inventories', () => {
  const ini = [
    '# comment',                                                     // 1
    'loose1 a=1',                                                    // 2
    '[hsts_cluster]',                                                // 3
    'node[1:2] ansible_user=hsts "quoted=a b" num=2222 t=True s=\'x\'  # note', // 4
    'node3:2200',                                                    // 5
    '; another comment',                                             // 6
    '[hsts_cluster:vars]',                                           // 7
    'v = {"a": 1}',                                                  // 8
    '[parent:children]',                                             // 9
    'hsts_cluster',                                                  // 10
  ].join('\n');

  it('reads groups, hosts with their vars (Python literals), :vars and :children', () => {
    const s = parseAnsibleIni(ini, 'hosts');
    expect(s.groups.get('ungrouped')!.hosts).toEqual(['loose1']);
    expect(s.groups.get('hsts_cluster')!.hosts).toEqual(['node1', 'node2', 'node3']);
    expect(s.groups.get('parent')!.children).toEqual(['hsts_cluster']);
    const vars = Object.fromEntries([...s.hostVars.get('node1')!].map(([k, v]) => [k, v.value]));
    expect(vars).toEqual({ ansible_user: 'hsts', quoted: 'a b', num: 2222, t: true, s: 'x' });
    expect(s.hostVars.get('node3')!.get('ansible_port')!.value).toBe(2200);
    expect(s.groups.get('hsts_cluster')!.vars.get('v')!.value).toEqual({ a: 1 });
  });

  it('knows where each thing was written', () => {
    const s = parseAnsibleIni(ini, 'hosts');
    expect(s.hostAt.get('node2')).toEqual({ file: 'hosts', line: 4, column: 1 });
    expect(s.hostVars.get('node1')!.get('num')!.at).toEqual({ file: 'hosts', line: 4, column: 46 });
    expect(s.groups.get('hsts_cluster')!.vars.get('v')!.at).toEqual({ file: 'hosts', line: 8, column: 5 });
  });

  it.each([
    ['[g:bogus]\nh\n', 'hosts:1:1', 'unknown type'],
    ['[g]\nh a b=1\n', 'hosts:2:3', 'expected key=value'],
    ['[g]\nh a="open\n', 'hosts:2:5', 'never closed'],
    ['[g]\nnode[3:1]\n', 'hosts:2:1', 'START'],
    ['[g:vars]\nnovalue\n', 'hosts:2:1', 'expected key=value'],
    ['[g:children]\na b\n', 'hosts:2:1', 'expected a group name'],
    ['[g:vars]\na=1\n[h]\nx\n', 'hosts:1:1', 'never defined'],
    ['[g]\nh\n[bad group]\n', 'hosts:3:1', 'invalid section'],
    ['[g]\nh v={\'a\': 1}\n', 'hosts:2:5', 'list or mapping'],
  ])('refuses %j at %s', (text, where, message) => {
    const p = refusal({ hosts: text });
    expect(p.where).toBe(where);
    expect(p.message).toContain(message);
  });
});

describe('variable precedence, as Ansible combines it', () => {
  const files = {
    'hosts.ini': [
      '[hsts_cluster:children]', // 1
      'east',                    // 2
      '[east]',                  // 3
      'h1 x=host',               // 4
      'h2',                      // 5
      '[other]',                 // 6
      'h2',                      // 7
      '[all:vars]',              // 8
      'x=all',                   // 9
      'y=all',                   // 10
      'z=all',                   // 11
      '[hsts_cluster:vars]',     // 12
      'y=parent',                // 13
      'z=parent',                // 14
      '[east:vars]',             // 15
      'z=child',                 // 16
      '[other:vars]',            // 17
      'w=other',                 // 18
      'ansible_group_priority=5', // 19
    ].join('\n'),
    'group_vars/all.yml': 'f: all-file\n',
    'group_vars/east/a.yml': 'f: east-file\ng: a\n',
    'group_vars/east/b.yaml': 'g: b\n',
    'host_vars/h2': 'z: host-file\n',
  };

  it.each([
    ['h1', 'x', 'host', 'a host var beats every group'],
    ['h1', 'y', 'parent', 'a parent beats all'],
    ['h1', 'z', 'child', 'a child beats its parent'],
    ['h1', 'f', 'east-file', 'group_vars/ of a group beats group_vars/all'],
    ['h1', 'g', 'b', 'a group_vars/ directory\'s files in name order'],
    ['h2', 'z', 'host-file', 'host_vars/ beats the groups'],
    ['h2', 'x', 'all', 'all\'s vars reach every host'],
    ['h2', 'w', 'other', 'a second group adds its vars'],
  ])('%s sees %s=%s: %s', (host, name, value) => {
    const { main } = read(files);
    const source = parseAnsibleIni(readFileText(main), main);
    const vars = new AnsibleVars(source, dirname(main)).hostVars(host);
    expect(vars.get(name)?.value).toBe(value);
  });

  it('ansible_group_priority orders groups of the same depth; it is not a host var', () => {
    const { main } = read({ 'hosts.ini': '[a]\nh\n[b]\nh\n[a:vars]\nv=a\nansible_group_priority=9\n[b:vars]\nv=b\n' });
    const vars = new AnsibleVars(parseAnsibleIni(readFileText(main), main), dirname(main)).hostVars('h');
    expect(vars.get('v')!.value).toBe('a');
    expect(vars.has('ansible_group_priority')).toBe(false);
  });

  it('lists a group\'s hosts with its children\'s, its own first', () => {
    const { main } = read({ 'hosts.ini': '[g:children]\nc\n[c]\nh1\n[g]\nh2\n' });
    expect(new AnsibleVars(parseAnsibleIni(readFileText(main), main), dirname(main)).hostsOf('g')).toEqual(['h2', 'h1']);
  });
});

const readFileText = (path: string) => readFileSync(path, 'utf8');

describe('mapping to the native inventory', () => {
  const yamlInventory = [
    'all:',                                            // 1
    '  vars:',                                         // 2
    '    ansible_user: hsts',                          // 3
    '    ansible_become: yes',                         // 4
    '    ansible_ssh_private_key_file: ./id',          // 5
    '  children:',                                     // 6
    '    hsts_cluster:',                               // 7
    '      vars:',                                     // 8
    '        hsts_cluster:',                           // 9
    '          primarySet: rig',                       // 10
    '          redisPassword: {env: HSTS_REDIS_PASSWORD}', // 11
    '      hosts:',                                    // 12
    '        n1:',                                     // 13
    '          ansible_host: 127.0.0.1',               // 14
    '          ansible_port: 2201',                    // 15
    '          hsts_private_ip: 10.0.0.1',             // 16
    '        n2:',                                     // 17
    '          ansible_host: 127.0.0.1',               // 18
    '          ansible_port: "2202"',                  // 19
    '          hsts_private_ip: 10.0.0.2',             // 20
    '          ansible_become_password: pw',           // 21
    '        10.0.0.3:',                               // 22
    '          hsts_role: replica',                    // 23
    '    web:',                                        // 24
    '      hosts:',                                    // 25
    '        w1:',                                     // 26
  ].join('\n');

  it('gives the native document, shared settings once', () => {
    const { doc } = read({ 'hosts.yml': yamlInventory, 'host_vars/n1.yml': 'hsts_role: primary\n', 'host_vars/n2.yml': 'hsts_role: replica\n' });
    expect(doc().value).toEqual({
      cluster: { primarySet: 'rig', redisPassword: { env: 'HSTS_REDIS_PASSWORD' } },
      ssh: { user: 'hsts', privateKey: './id' },
      nodes: [
        { name: 'n1', privateIp: '10.0.0.1', role: 'primary', ssh: { host: '127.0.0.1', port: 2201 } },
        { name: 'n2', privateIp: '10.0.0.2', role: 'replica', ssh: { host: '127.0.0.1', port: 2202, sudoPassword: 'pw' } },
        { name: '10.0.0.3', privateIp: '10.0.0.3', role: 'replica' },
      ],
    });
  });

  it('the first host is the primary when no host sets hsts_role', () => {
    const { doc } = read({ 'hosts.ini': '[hsts_cluster]\n10.0.0.[1:3]\n', 'group_vars/all.yml': CLUSTER_VARS });
    expect((doc().value as { nodes: { role: string }[] }).nodes.map((n) => n.role)).toEqual(['primary', 'replica', 'replica']);
  });

  it('a host without ansible_host is reached by its name, as Ansible does', () => {
    const { doc } = read({ 'hosts.ini': '[hsts_cluster]\nnode1 hsts_private_ip=10.0.0.1\n', 'group_vars/all.yml': CLUSTER_VARS });
    expect((doc().value as { nodes: unknown[] }).nodes[0]).toEqual({ name: 'node1', privateIp: '10.0.0.1', role: 'primary', ssh: { host: 'node1' } });
  });

  it('the native checks run on it and point into the Ansible files, naming the variable', () => {
    const { doc, dir } = read({ 'hosts.ini': '[hsts_cluster]\nn1 hsts_private_ip=10.0.0.1 ansible_port=x\nn2 hsts_private_ip=10.0.0.2\nn3 hsts_private_ip=10.0.0.3\n', 'group_vars/hsts_cluster.yml': 'hsts_cluster:\n  primarySet: "bad name"\n  redisPassword: {env: P}\n' });
    expect(() => parseInventory(doc().value, 'hosts.ini')).toThrow(UsageError);
    let loaded: Problem[] = [];
    try {
      loadInventory(join(dir, 'hosts.ini'));
    } catch (e) { loaded = (e as UsageError).details; }
    expect(loaded.map((p) => [p.file?.replace(`${dir}/`, ''), p.line, p.column, p.field])).toEqual(expect.arrayContaining([
      ['hosts.ini', 2, 42, 'ansible_port of n1 (nodes[0].ssh.port)'],
      ['group_vars/hsts_cluster.yml', 2, 15, 'hsts_cluster.primarySet (cluster.primarySet)'],
    ]));
  });

  it.each([
    [{ 'h.ini': '[web]\nh1\n' }, undefined, 'h.ini:-:-', '--group', 'no group hsts_cluster'],
    [{ 'h.ini': '[web]\nh1\n' }, 'wbe', 'h.ini:-:-', '--group', 'not a group'],
    [{ 'h.ini': '[hsts_cluster]\n' }, undefined, 'h.ini:-:-', '--group', 'no hosts'],
    [{ 'h.ini': '[hsts_cluster]\nh1 hsts_privateip=10.0.0.1\n' }, undefined, 'h.ini:2:19', 'hsts_privateip', 'not a variable'],
    [{ 'h.ini': '[hsts_cluster]\nh1 ansible_user=hsts\n' }, undefined, 'h.ini:2:17', 'ansible_user', 'ansible_become is not true'],
    [{ 'h.ini': '[hsts_cluster]\nh1 ansible_user=hsts ansible_become=maybe\n' }, undefined, 'h.ini:2:37', 'ansible_become', 'not a boolean'],
    [{ 'h.ini': '[hsts_cluster]\nh1 ansible_become_user=postgres\n' }, undefined, 'h.ini:2:24', 'ansible_become_user', 'must be root'],
    [{ 'h.ini': '[hsts_cluster]\nh1 ansible_become_method=su\n' }, undefined, 'h.ini:2:26', 'ansible_become_method', 'must be sudo'],
    [{ 'h.ini': '[hsts_cluster]\nh1 ansible_connection=local\n' }, undefined, 'h.ini:2:23', 'ansible_connection', 'SSH only'],
    [{ 'h.ini': '[hsts_cluster]\nh1 ansible_host="{{ x }}"\n' }, undefined, 'h.ini:2:17', 'ansible_host', 'Jinja'],
    [{ 'h.ini': '[hsts_cluster]\nh1\n' }, undefined, 'h.ini:2:1', 'hsts_cluster', 'not set'],
    [{ 'h.ini': '[hsts_cluster]\nh1 hsts_cluster=\'{"a": 1}\'\nh2 hsts_cluster=\'{"a": 2}\'\n' }, undefined, 'h.ini:3:17', 'hsts_cluster', 'other cluster settings'],
    [{ 'h.yml': 'hsts_cluster:\n  hosts:\n    h1:\n  hostvars: {}\n' }, undefined, 'h.yml:4:3', 'hsts_cluster.hostvars', 'not a group field'],
    [{ 'h.yml': 'hsts_cluster:\n  hosts:\n    - h1\n' }, undefined, 'h.yml:3:5', 'hsts_cluster.hosts', 'mapping of HOST'],
    [{ 'h.yml': 'hsts_cluster:\n  hosts:\n    h1:\n      hsts_ssh: 3\n' }, undefined, 'h.yml:4:17', 'hsts_ssh', 'must be a mapping'],
    [{ 'h.yml': 'hsts_cluster:\n  hosts:\n    h1:\n      ansible_port: 2\n      hsts_ssh: {port: 3}\n' }, undefined, 'h.yml:4:21', 'ansible_port', 'both set'],
    [{ 'h.yml': 'all:\n  children:\n    a:\n      children:\n        b:\n    b:\n      children:\n        a:\n' }, undefined, 'h.yml:-:-', undefined, 'its own ancestor'],
    [{ 'h.ini': '[hsts_cluster]\nh1\n', 'group_vars/all.yml': 'a: [1\n' }, undefined, 'group_vars/all.yml:2:1', undefined, 'not valid YAML'],
  ] as [Record<string, string>, string | undefined, string, string | undefined, string][])('refuses %j (--group %s) at %s, naming %s', (files, group, where, field, message) => {
    const p = refusal(files, group);
    expect(p.where).toBe(where);
    expect(p.field).toBe(field);
    expect(p.message).toContain(message);
  });

  it('refuses --group with a native inventory', () => {
    const p = refusal({ 'inventory.json': '{"cluster": {}, "nodes": []}' }, 'g');
    expect([p.field, p.message]).toEqual(['--group', expect.stringContaining('Ansible inventory only')]);
  });

  it.each([
    ['hosts', '[g]\nh\n', 'ini'],
    ['hosts', 'h1 ansible_host=x\n', 'ini'],
    ['inv.yaml', 'all:\n  hosts:\n    h:\n', 'ansible'],
    ['inv.yaml', 'cluster: {}\nnodes: []\n', 'native'],
    ['inv', 'cluster: {}\nnodes: []\n', 'native'],
  ])('%s %j reads as %s', (name, text, kind) => {
    const { doc } = read({ [name]: text }, kind === 'native' ? undefined : 'all');
    if (kind === 'native') expect(doc().value).toEqual({ cluster: {}, nodes: [] });
    else expect(() => doc()).toThrow(/hsts_cluster/);
  });
});
