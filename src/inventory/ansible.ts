/**
 * An Ansible inventory (INI or YAML) as the native inventory document the loader validates, with
 * each native field located at the Ansible variable it came from, so that every later check and
 * message is the native one and points into the Ansible file (or its group_vars/host_vars file).
 *
 * The mapping (docs/inventory.md, "Ansible inventories"): the hosts of one group (--group, default
 * `hsts_cluster`); `hsts_cluster` (a mapping: the native "cluster" fields); per host
 * `hsts_private_ip` (default: ansible_host, else the host name), `hsts_role` (default: the first
 * host is the primary), `hsts_state`, `hsts_ssh` (native ssh fields Ansible has no variable for);
 * ansible_host, ansible_port, ansible_user, ansible_ssh_private_key_file, ansible_become(_user,
 * _method, _password) as the node's ssh settings.
 */
import { dirname, resolve } from 'node:path';
import { jsonPath } from './describe.js';
import { isObject } from './rules.js';
import { suggestField } from './suggest.js';
import { parseAnsibleIni } from './ansible-ini.js';
import { refuse, type AnsibleSource, type AnsibleVar, type Origin, type Vars } from './ansible-source.js';
import { AnsibleVars } from './ansible-vars.js';
import { parseAnsibleYaml } from './ansible-yaml.js';
import type { JsonDocument, Position } from './json-text.js';

export const DEFAULT_GROUP = 'hsts_cluster';
const OWN_VARS = ['hsts_cluster', 'hsts_private_ip', 'hsts_role', 'hsts_state', 'hsts_ssh'];
const CONNECTIONS = ['ssh', 'smart', 'paramiko'];

/** Where a native field came from: an Ansible variable, or a field inside one (a YAML mapping). */
interface Place { at: Origin; yaml?: AnsibleVar['yaml']; name?: string }

const pathKey = (path: readonly PropertyKey[]) => JSON.stringify(path.map(String));

/** Ansible's boolean words (yes/no, true/false, on/off, 1/0), as `ansible_become` is read. */
function ansibleBoolean(v: AnsibleVar, name: string): boolean {
  const value = typeof v.value === 'string' ? v.value.toLowerCase() : v.value;
  if (value === true || value === 1 || ['yes', 'true', 'on', 'y', 't', '1'].includes(value as string)) return true;
  if (value === false || value === 0 || ['no', 'false', 'off', 'n', 'f', '0'].includes(value as string)) return false;
  return refuse({ ...v.at, field: name, value: v.value, message: 'is not a boolean', hint: 'write true or false' });
}

/** A value hsts-cluster cannot take as it stands: a Jinja template or a vault-encrypted string. */
function unevaluated(v: AnsibleVar, name: string): void {
  const text = typeof v.value === 'string' ? v.value : '';
  if (text.includes('{{') || text.includes('{%')) refuse({ ...v.at, field: name, message: 'is a Jinja template: hsts-cluster does not evaluate templates', hint: 'write the value itself' });
  if (text.startsWith('$ANSIBLE_VAULT')) refuse({ ...v.at, field: name, message: 'is vault-encrypted: hsts-cluster cannot decrypt it', hint: 'for a password use hsts_ssh: {sudoPassword: {env: NAME}} or {file: PATH}' });
}

class NativeDocument {
  readonly places = new Map<string, Place>();

  constructor(private readonly hosts: string[]) {}

  /** Sets the native field `key` from the variable `name` (or a place already named). */
  set(target: Record<string, unknown>, path: PropertyKey[], key: string, v: Place & { value: unknown }, name?: string): void {
    target[key] = v.value;
    const label = name ?? v.name;
    this.places.set(pathKey([...path, key]), { at: v.at, ...(v.yaml ? { yaml: v.yaml } : {}), ...(label ? { name: label } : {}) });
  }

  /** A field inside a YAML mapping variable, located through its document. */
  inside(v: AnsibleVar, name: string, key: string): Place & { value: unknown } {
    const value = (v.value as Record<string, unknown>)[key];
    if (!v.yaml) return { value, at: v.at, name: `${name}.${key}` };
    const path = [...v.yaml.path, key];
    const at = v.yaml.document.locate(path);
    return { value, at: at ? { file: v.at.file, ...at } : v.at, yaml: { document: v.yaml.document, path }, name: `${name}.${key}` };
  }

  /** A native field as the Ansible variable it came from: "hsts_private_ip of node2 (nodes[1].privateIp)". */
  describeField(field: string): string {
    let best: { native: string; name: string } | undefined;
    for (const [key, place] of this.places) {
      const path = (JSON.parse(key) as string[]).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
      const native = jsonPath(path);
      if (!place.name || !(field === native || field.startsWith(`${native}.`) || field.startsWith(`${native}[`))) continue;
      if (!best || native.length > best.native.length) best = { native, name: path[0] === 'nodes' && path.length > 2 ? `${place.name} of ${this.hosts[Number(path[1])]}` : place.name };
    }
    if (!best) return field;
    return `${best.name}${field.slice(best.native.length)} (${field})`;
  }

  locate(path: readonly PropertyKey[], key: boolean): (Position & { file: string }) | undefined {
    for (let n = path.length; n >= 0; n--) {
      const place = this.places.get(pathKey(path.slice(0, n)));
      if (!place) continue;
      if (place.yaml) {
        const at = place.yaml.document.locate([...place.yaml.path, ...path.slice(n)], key && n < path.length);
        if (at) return { file: place.at.file, ...at };
      }
      return place.at;
    }
    return undefined;
  }
}

/** The variable set by its first name that the host has (Ansible's older aliases after it). */
function first(vars: Vars, ...names: string[]): [string, AnsibleVar] | undefined {
  for (const name of names) {
    const v = vars.get(name);
    if (v !== undefined) return [name, v];
  }
  return undefined;
}

function nodeSsh(vars: Vars, doc: NativeDocument, path: PropertyKey[]): Record<string, unknown> {
  const ssh: Record<string, unknown> = {};
  const extra = vars.get('hsts_ssh');
  if (extra) {
    if (!isObject(extra.value)) refuse({ ...extra.at, field: 'hsts_ssh', message: 'must be a mapping of native ssh settings', hint: 'for example hsts_ssh: {knownHosts: ./known_hosts, connectTimeoutMs: 5000}' });
    for (const key of Object.keys(extra.value)) doc.set(ssh, path, key, doc.inside(extra, 'hsts_ssh', key));
  }
  const map = (field: string, ...names: string[]) => {
    const found = first(vars, ...names);
    if (!found) return;
    const [name, v] = found;
    unevaluated(v, name);
    if (field in ssh) refuse({ ...v.at, field: name, message: `and hsts_ssh.${field} both set the node's ssh ${field}`, hint: `keep ${name} and remove hsts_ssh.${field}` });
    const value = field === 'port' && typeof v.value === 'string' && /^\d+$/.test(v.value) ? Number(v.value) : v.value;
    doc.set(ssh, path, field, { ...v, value }, name);
  };
  const connection = first(vars, 'ansible_connection');
  if (connection && !CONNECTIONS.includes(String(connection[1].value))) {
    refuse({ ...connection[1].at, field: 'ansible_connection', value: connection[1].value, message: 'hsts-cluster reaches nodes over SSH only', hint: `remove it, or set ${CONNECTIONS.join(', ')}` });
  }
  map('host', 'ansible_host', 'ansible_ssh_host');
  map('port', 'ansible_port', 'ansible_ssh_port');
  map('user', 'ansible_user', 'ansible_ssh_user');
  map('privateKey', 'ansible_ssh_private_key_file', 'ansible_private_key_file');
  const user = typeof ssh.user === 'string' ? ssh.user : undefined;
  const become = first(vars, 'ansible_become');
  const becomeUser = first(vars, 'ansible_become_user');
  const method = first(vars, 'ansible_become_method');
  if (becomeUser && becomeUser[1].value !== 'root') refuse({ ...becomeUser[1].at, field: 'ansible_become_user', value: becomeUser[1].value, message: 'must be root (or absent): hsts-cluster works as root', hint: 'remove it, or set it to root' });
  if (method && method[1].value !== 'sudo') refuse({ ...method[1].at, field: 'ansible_become_method', value: method[1].value, message: 'must be sudo (or absent): hsts-cluster becomes root with sudo', hint: 'remove it, or set it to sudo' });
  const becomes = become ? ansibleBoolean(become[1], 'ansible_become') : false;
  if (user !== undefined && user !== 'root' && !becomes) {
    const at = become?.[1].at ?? (doc.places.get(pathKey([...path, 'user']))?.at);
    refuse({ ...at, field: become ? 'ansible_become' : 'ansible_user', value: user, message: `${user} is not root and ansible_become is not true: hsts-cluster works as root`, hint: 'set ansible_become=true (sudo), or ansible_user=root' });
  }
  const password = first(vars, 'ansible_become_password', 'ansible_become_pass', 'ansible_sudo_pass');
  if (password && user !== undefined && user !== 'root') {
    unevaluated(password[1], password[0]);
    if ('sudoPassword' in ssh) refuse({ ...password[1].at, field: password[0], message: 'and hsts_ssh.sudoPassword both set the sudo password', hint: 'keep one of them' });
    doc.set(ssh, path, 'sudoPassword', password[1], password[0]);
  }
  return ssh;
}

/** Settings every node takes from the same variable go to the document's `ssh`, the rest stay with the node. */
function hoistShared(nodes: Record<string, unknown>[], doc: NativeDocument): Record<string, unknown> {
  const shared: Record<string, unknown> = {};
  const sshOf = (n: Record<string, unknown>) => (n.ssh ?? {}) as Record<string, unknown>;
  const keys = new Set(nodes.flatMap((n) => Object.keys(sshOf(n))));
  for (const key of keys) {
    if (key === 'host') continue;
    const places = nodes.map((_, i) => doc.places.get(pathKey(['nodes', i, 'ssh', key])));
    const at = (p: Place | undefined) => (p ? `${p.at.file}:${p.at.line}:${p.at.column}` : '');
    if (places.some((p) => at(p) === '' || at(p) !== at(places[0]))) continue;
    shared[key] = sshOf(nodes[0]!)[key];
    doc.places.set(pathKey(['ssh', key]), places[0]!);
    nodes.forEach((n) => { delete sshOf(n)[key]; });
  }
  nodes.forEach((n) => { if (Object.keys(sshOf(n)).length === 0) delete n.ssh; });
  return shared;
}

function chooseGroup(source: AnsibleSource, vars: AnsibleVars, group: string | undefined): string {
  const names = [...source.groups.keys()].filter((g) => g !== 'all' && g !== 'ungrouped');
  const chosen = group ?? (source.groups.has(DEFAULT_GROUP) ? DEFAULT_GROUP : undefined);
  if (chosen === undefined) {
    return refuse({ file: source.file, field: '--group', message: `the Ansible inventory has no group ${DEFAULT_GROUP}`, hint: names.length ? `name the cluster's group: --group GROUP (groups: ${names.join(', ')})` : 'add a group hsts_cluster with the cluster\'s hosts' });
  }
  if (!source.groups.has(chosen)) {
    const near = suggestField(chosen, names);
    return refuse({ file: source.file, field: '--group', value: chosen, message: 'is not a group of the Ansible inventory', hint: `${near ? `did you mean ${near}? ` : ''}(groups: ${names.join(', ') || 'none'})` });
  }
  if (vars.hostsOf(chosen).length === 0) refuse({ file: source.file, field: '--group', value: chosen, message: 'the group has no hosts', hint: 'list the cluster\'s hosts under it' });
  return chosen;
}

/** The native inventory document an Ansible inventory stands for (the hosts of `group`). */
export function ansibleToNative(source: AnsibleSource, group: string | undefined): JsonDocument {
  const vars = new AnsibleVars(source, dirname(resolve(source.file)));
  const hosts = vars.hostsOf(chooseGroup(source, vars, group));
  const doc = new NativeDocument(hosts);
  const hostVars = hosts.map((h) => vars.hostVars(h));
  const anyRole = hostVars.some((v) => v.has('hsts_role'));
  const nodes = hosts.map((host, i) => {
    const own = hostVars[i]!;
    for (const [name, v] of own) {
      if (name.startsWith('hsts_') && !OWN_VARS.includes(name)) {
        const near = suggestField(name, OWN_VARS);
        refuse({ ...v.at, field: name, message: 'is not a variable hsts-cluster knows', hint: near ? `did you mean ${near}?` : `hsts-cluster reads ${OWN_VARS.join(', ')}` });
      }
    }
    const path = ['nodes', i];
    const node: Record<string, unknown> = {};
    doc.places.set(pathKey(path), { at: source.hostAt.get(host)! });
    doc.set(node, path, 'name', { value: host, at: source.hostAt.get(host)! });
    const ip = first(own, 'hsts_private_ip', 'ansible_host', 'ansible_ssh_host');
    if (ip) { unevaluated(ip[1], ip[0]); doc.set(node, path, 'privateIp', ip[1], ip[0]); } else doc.set(node, path, 'privateIp', { value: host, at: source.hostAt.get(host)! }, 'hsts_private_ip');
    const role = own.get('hsts_role');
    if (role) doc.set(node, path, 'role', role, 'hsts_role');
    else if (!anyRole) doc.set(node, path, 'role', { value: i === 0 ? 'primary' : 'replica', at: source.hostAt.get(host)! }, 'hsts_role');
    const state = own.get('hsts_state');
    if (state) doc.set(node, path, 'state', state, 'hsts_state');
    const ssh = nodeSsh(own, doc, [...path, 'ssh']);
    // Ansible reaches a host without ansible_host by its inventory name, not by the cluster address.
    if (ssh.host === undefined && node.privateIp !== host) doc.set(ssh, [...path, 'ssh'], 'host', { value: host, at: source.hostAt.get(host)! }, 'inventory_hostname');
    if (Object.keys(ssh).length > 0) node.ssh = ssh;
    doc.places.set(pathKey([...path, 'ssh']), doc.places.get(pathKey(path))!);
    return node;
  });
  const cluster = hostVars.map((v) => v.get('hsts_cluster'));
  const settings = cluster[0];
  const missing = cluster.findIndex((c) => c === undefined);
  if (missing >= 0) refuse({ ...source.hostAt.get(hosts[missing]!)!, field: 'hsts_cluster', message: `is not set for host ${hosts[missing]}`, hint: 'set hsts_cluster (the native "cluster" settings) in the group\'s vars: group_vars/GROUP.yml' });
  const differs = cluster.findIndex((c) => JSON.stringify(c!.value) !== JSON.stringify(settings!.value));
  if (differs >= 0) refuse({ ...cluster[differs]!.at, field: 'hsts_cluster', message: `host ${hosts[differs]} sees other cluster settings than ${hosts[0]} (set at ${settings!.at.file}:${settings!.at.line})`, hint: 'set hsts_cluster once, in the group\'s vars' });
  const value: Record<string, unknown> = {};
  doc.set(value, [], 'cluster', settings!, 'hsts_cluster');
  const ssh = hoistShared(nodes, doc);
  if (Object.keys(ssh).length > 0) value.ssh = ssh;
  value.nodes = nodes;
  doc.places.set(pathKey(['nodes']), { at: source.hostAt.get(hosts[0]!)! });
  doc.places.set(pathKey([]), { at: { file: source.file, line: 1, column: 1 } });
  return { value, locate: (path, key = false) => doc.locate(path, key), duplicates: [], describeField: (field) => doc.describeField(field) };
}

/** An Ansible inventory's text (INI when `format` says so, else the YAML document already read) as the native document. */
export function readAnsibleInventory(input: { ini: string } | { yaml: JsonDocument }, file: string, group: string | undefined): JsonDocument {
  const source = 'ini' in input ? parseAnsibleIni(input.ini, file) : parseAnsibleYaml(input.yaml, file);
  return ansibleToNative(source, group);
}
