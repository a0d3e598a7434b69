/**
 * An Ansible inventory as Ansible holds it after reading (groups with hosts, children and vars;
 * host vars), whether it came from INI or YAML, with where each thing was written so that a
 * problem found later points into the Ansible file.
 */
import type { Problem } from '../util/problem.js';
import { UsageError } from '../util/errors.js';
import type { JsonDocument, Position } from './json-text.js';

export interface Origin extends Position { file: string }

/** A variable and where it was set; a YAML value's own fields are found through its document. */
export interface AnsibleVar {
  value: unknown;
  at: Origin;
  yaml?: { document: JsonDocument; path: PropertyKey[] };
}

export type Vars = Map<string, AnsibleVar>;

export interface AnsibleGroup {
  name: string;
  /** The hosts listed in the group itself, in file order (a host listed twice counts once). */
  hosts: string[];
  children: string[];
  vars: Vars;
}

export interface AnsibleSource {
  file: string;
  groups: Map<string, AnsibleGroup>;
  /** Each host's own vars (from its host line or its hosts: entry). */
  hostVars: Map<string, Vars>;
  /** Where each host is first named. */
  hostAt: Map<string, Origin>;
}

export function newSource(file: string): AnsibleSource {
  const source: AnsibleSource = { file, groups: new Map(), hostVars: new Map(), hostAt: new Map() };
  groupOf(source, 'all');
  groupOf(source, 'ungrouped');
  return source;
}

export function groupOf(source: AnsibleSource, name: string): AnsibleGroup {
  let group = source.groups.get(name);
  if (!group) {
    group = { name, hosts: [], children: [], vars: new Map() };
    source.groups.set(name, group);
  }
  return group;
}

export function addHost(source: AnsibleSource, groupName: string, host: string, at: Origin, vars: Vars): void {
  const group = groupOf(source, groupName);
  if (!group.hosts.includes(host)) group.hosts.push(host);
  if (!source.hostAt.has(host)) source.hostAt.set(host, at);
  const own = source.hostVars.get(host) ?? new Map<string, AnsibleVar>();
  for (const [name, v] of vars) own.set(name, v);
  source.hostVars.set(host, own);
}

export function addChild(source: AnsibleSource, parent: string, child: string): void {
  const group = groupOf(source, parent);
  groupOf(source, child);
  if (!group.children.includes(child)) group.children.push(child);
}

export function refuse(problem: Problem): never {
  throw new UsageError([problem]);
}

const RANGE = /^(.*?)\[([a-zA-Z0-9]*):([a-zA-Z0-9]+)(?::(\d+))?\](.*)$/;
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Ansible's host ranges: node[1:3], db[01:10:2], host-[a:c]; returns a reason when the range is malformed. */
export function expandHostRange(pattern: string): string[] | string {
  const m = RANGE.exec(pattern);
  if (!m) return pattern.includes('[') || pattern.includes(']') ? 'a host range is written [START:END] or [START:END:STEP]' : [pattern];
  const [, head, begRaw, end, stepRaw, tail] = m as unknown as [string, string, string, string, string | undefined, string];
  const beg = begRaw === '' ? '0' : begRaw;
  const step = stepRaw === undefined ? 1 : Number(stepRaw);
  if (step < 1) return 'a host range\'s step must be at least 1';
  let items: string[];
  if (/^\d+$/.test(beg) && /^\d+$/.test(end)) {
    const width = beg.length > 1 && beg.startsWith('0') ? beg.length : 0;
    if (width && end.length !== width) return 'a zero-padded host range needs START and END of the same length';
    items = [];
    for (let n = Number(beg); n <= Number(end) && items.length <= 10_000; n += step) items.push(String(n).padStart(width, '0'));
  } else if (/^[a-zA-Z]$/.test(beg) && /^[a-zA-Z]$/.test(end) && LETTERS.indexOf(beg) <= LETTERS.indexOf(end)) {
    items = [];
    for (let k = LETTERS.indexOf(beg); k <= LETTERS.indexOf(end); k += step) items.push(LETTERS[k]!);
  } else {
    return 'a host range is numbers ([1:3], [01:10]) or single letters ([a:c]), START not after END';
  }
  if (items.length === 0) return 'the host range is empty (START is after END)';
  if (items.length > 10_000) return 'the host range holds more than 10000 hosts';
  const out: string[] = [];
  for (const item of items) {
    const more = expandHostRange(`${head}${item}${tail}`);
    if (typeof more === 'string') return more;
    out.push(...more);
  }
  return out;
}

/** "host:port" as Ansible reads a host pattern (an IPv6 address is left whole). */
export function splitHostPort(pattern: string): { host: string; port?: number } {
  const m = /^([^:]+):(\d+)$/.exec(pattern);
  return m ? { host: m[1]!, port: Number(m[2]) } : { host: pattern };
}
