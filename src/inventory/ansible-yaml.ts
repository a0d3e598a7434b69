/**
 * Ansible's YAML inventory format, read as Ansible's `yaml` plugin reads it: the top level is
 * groups (usually `all:`), each with `hosts:` (host: vars), `vars:` and `children:` (groups again).
 */
import { isObject } from './rules.js';
import { addChild, addHost, expandHostRange, groupOf, newSource, refuse, splitHostPort, type AnsibleSource, type Origin, type Vars } from './ansible-source.js';
import type { JsonDocument } from './json-text.js';

const GROUP_KEYS = ['hosts', 'vars', 'children'];

/** A YAML document is an Ansible inventory when its top level is groups (hosts:/children:/vars:), not the native fields. */
export function isAnsibleYaml(value: unknown): boolean {
  if (!isObject(value) || Object.keys(value).length === 0) return false;
  if ('cluster' in value || 'nodes' in value) return false;
  return Object.values(value).every((group) => group === null || (isObject(group) && Object.keys(group).some((k) => GROUP_KEYS.includes(k))));
}

/** The variables of a mapping in a YAML document, each with its place. */
export function yamlVars(doc: JsonDocument, file: string, path: PropertyKey[], value: unknown, what: string): Vars {
  const vars: Vars = new Map();
  if (value === null || value === undefined) return vars;
  const at = (p: PropertyKey[], key = false): Origin => ({ file, ...(doc.locate(p, key) ?? { line: 1, column: 1 }) });
  if (!isObject(value)) refuse({ ...at(path), message: `${what} must be a mapping of NAME: VALUE`, hint: 'indent the variables under it, one NAME: VALUE a line' });
  for (const [name, v] of Object.entries(value)) vars.set(name, { value: v, at: at([...path, name]), yaml: { document: doc, path: [...path, name] } });
  return vars;
}

export function parseAnsibleYaml(doc: JsonDocument, file: string): AnsibleSource {
  const source = newSource(file);
  const at = (p: PropertyKey[], key = false): Origin => ({ file, ...(doc.locate(p, key) ?? { line: 1, column: 1 }) });
  const readGroup = (name: string, body: unknown, path: PropertyKey[]): void => {
    groupOf(source, name);
    if (body === null || body === undefined) return;
    if (!isObject(body)) refuse({ ...at(path), field: name, message: 'a group must be a mapping with hosts:, vars: or children:', hint: `write ${name}: and indent hosts:, vars: or children: under it` });
    for (const key of Object.keys(body)) {
      if (!GROUP_KEYS.includes(key)) refuse({ ...at([...path, key], true), field: `${name}.${key}`, message: 'is not a group field', hint: 'a group holds hosts:, vars: and children: only (a host goes under hosts:)' });
    }
    for (const [k, v] of yamlVars(doc, file, [...path, 'vars'], body.vars, `${name}.vars`)) groupOf(source, name).vars.set(k, v);
    const hosts = body.hosts;
    if (hosts !== null && hosts !== undefined) {
      if (!isObject(hosts)) refuse({ ...at([...path, 'hosts']), field: `${name}.hosts`, message: 'must be a mapping of HOST: (its vars)', hint: 'write each host as "node1:" on its own line (a list "- node1" is not Ansible\'s form)' });
      for (const [pattern, vars] of Object.entries(hosts)) {
        const hostAt = at([...path, 'hosts', pattern], true);
        const { host, port } = splitHostPort(pattern);
        const names = expandHostRange(host);
        if (typeof names === 'string') refuse({ ...hostAt, value: pattern, message: names, hint: 'as Ansible writes ranges: node[1:3] is node1, node2, node3' });
        const own = yamlVars(doc, file, [...path, 'hosts', pattern], vars, `host ${pattern}`);
        if (port !== undefined) own.set('ansible_port', { value: port, at: hostAt });
        for (const host of names) addHost(source, name, host, hostAt, own);
      }
    }
    const children = body.children;
    if (children !== null && children !== undefined) {
      if (!isObject(children)) refuse({ ...at([...path, 'children']), field: `${name}.children`, message: 'must be a mapping of GROUP: (its hosts, vars, children)', hint: 'write each child group as "GROUP:" on its own line' });
      for (const [child, childBody] of Object.entries(children)) {
        addChild(source, name, child);
        // A group named again (under another parent) adds to it, as in Ansible.
        readGroup(child, childBody, [...path, 'children', child]);
      }
    }
  };
  for (const [name, body] of Object.entries(doc.value as Record<string, unknown>)) readGroup(name, body, [name]);
  return source;
}
