/**
 * A host's variables as Ansible combines them: `all`'s vars < its other groups' vars (parents before
 * children: by depth, then `ansible_group_priority`, then name) < its own vars; at each level the
 * inventory file's vars < the `group_vars/` and `host_vars/` files beside it. A later value
 * replaces an earlier one whole (Ansible's default `hash_behaviour = replace`).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { refuse, type AnsibleGroup, type AnsibleSource, type AnsibleVar, type Vars } from './ansible-source.js';
import { yamlVars } from './ansible-yaml.js';
import { parseYamlText, YamlSyntaxError } from './yaml-text.js';

const EXTENSIONS = ['', '.yml', '.yaml', '.json'];
const MAX_VARS_FILE = 1024 * 1024;

/** The files Ansible's host_group_vars plugin reads for NAME: the first of NAME, NAME.yml, ...; a directory's files in order. */
export function varsFiles(dir: string, name: string): string[] {
  for (const ext of EXTENSIONS) {
    const path = join(dir, name + ext);
    if (!existsSync(path)) continue;
    if (!statSync(path).isDirectory()) return [path];
    const inside: string[] = [];
    const walk = (d: string) => {
      for (const entry of readdirSync(d).sort()) {
        if (entry.startsWith('.') || entry.endsWith('~')) continue;
        const full = join(d, entry);
        if (statSync(full).isDirectory()) walk(full);
        else if (/^[^.]*$/.test(entry) || EXTENSIONS.some((e) => e && entry.endsWith(e))) inside.push(full);
      }
    };
    walk(path);
    return inside;
  }
  return [];
}

function readVarsFile(file: string): Vars {
  const size = statSync(file).size;
  if (size > MAX_VARS_FILE) refuse({ file, message: `is ${size} bytes: more than a variables file should hold (1 MiB)`, hint: 'name the right file' });
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') return new Map();
  try {
    const doc = parseYamlText(text);
    return yamlVars(doc, file, [], doc.value, 'a variables file');
  } catch (e) {
    if (!(e instanceof YamlSyntaxError)) throw e;
    return refuse({ file, ...e.position, message: `not valid YAML: ${e.message}`, ...(e.hint ? { hint: e.hint } : {}) });
  }
}

/** Variables of the groups and hosts of one inventory, the files beside it read once each. */
export class AnsibleVars {
  private readonly files = new Map<string, Vars>();
  private readonly depths = new Map<string, number>();
  private readonly parents = new Map<string, string[]>();

  constructor(private readonly source: AnsibleSource, private readonly dir: string) {
    for (const group of source.groups.values()) {
      for (const child of group.children) this.parents.set(child, [...(this.parents.get(child) ?? []), group.name]);
    }
    for (const name of source.groups.keys()) this.depth(name, []);
  }

  private depth(name: string, path: string[]): number {
    if (name === 'all') return 0;
    const known = this.depths.get(name);
    if (known !== undefined) return known;
    if (path.includes(name)) refuse({ file: this.source.file, message: `group ${name} is its own ancestor (${[...path, name].join(' > ')})`, hint: 'remove one of the children: entries' });
    const parents = this.parents.get(name) ?? [];
    const depth = 1 + Math.max(0, ...parents.map((p) => this.depth(p, [...path, name])));
    this.depths.set(name, depth);
    return depth;
  }

  private filesVars(kind: 'group_vars' | 'host_vars', name: string): Vars {
    const key = `${kind}/${name}`;
    let vars = this.files.get(key);
    if (!vars) {
      vars = new Map();
      for (const file of varsFiles(join(this.dir, kind), name)) for (const [k, v] of readVarsFile(file)) vars.set(k, v);
      this.files.set(key, vars);
    }
    return vars;
  }

  /** The groups a host is in, with their ancestors and `all`, in Ansible's order of precedence. */
  groupsOf(host: string): AnsibleGroup[] {
    const direct: string[] = [...this.source.groups.values()].filter((g) => g.hosts.includes(host)).map((g) => g.name);
    if (!direct.some((g) => g !== 'all')) direct.push('ungrouped');
    const all = new Set<string>(['all']);
    const up = (name: string) => { if (all.has(name)) return; all.add(name); for (const p of this.parents.get(name) ?? []) up(p); };
    direct.forEach(up);
    const priority = (g: AnsibleGroup) => {
      const p = Number(g.vars.get('ansible_group_priority')?.value ?? 1);
      return Number.isFinite(p) ? p : 1;
    };
    return [...all].map((name) => this.source.groups.get(name)!)
      .sort((a, b) => this.depth(a.name, []) - this.depth(b.name, []) || priority(a) - priority(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Every variable the host sees, each with where it was set. */
  hostVars(host: string): Vars {
    const out: Vars = new Map();
    const add = (vars: Vars) => { for (const [k, v] of vars) if (k !== 'ansible_group_priority') out.set(k, v); };
    const groups = this.groupsOf(host);
    const [all, ...others] = groups;
    add(all!.vars);
    add(this.filesVars('group_vars', 'all'));
    for (const g of others) add(g.vars);
    for (const g of others) add(this.filesVars('group_vars', g.name));
    add(this.source.hostVars.get(host) ?? new Map<string, AnsibleVar>());
    add(this.filesVars('host_vars', host));
    return out;
  }

  /** The hosts of a group and of its descendants, as Ansible lists them (the group's own first). */
  hostsOf(name: string): string[] {
    if (name === 'all') return [...this.source.hostAt.keys()];
    const order = [name];
    for (let k = 0; k < order.length; k++) {
      for (const child of this.source.groups.get(order[k]!)?.children ?? []) if (!order.includes(child)) order.push(child);
    }
    const hosts: string[] = [];
    for (const g of order) for (const h of this.source.groups.get(g)?.hosts ?? []) if (!hosts.includes(h)) hosts.push(h);
    if (name === 'ungrouped') return [...this.source.hostAt.keys()].filter((h) => this.groupsOf(h).some((g) => g.name === 'ungrouped'));
    return hosts;
  }
}
