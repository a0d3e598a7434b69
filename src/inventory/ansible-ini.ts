/**
 * Ansible's INI inventory format, read as Ansible's `ini` plugin reads it: `[group]` sections of
 * `host key=value ...` lines (shell-style quoting, `#` comments), `[group:vars]` sections of
 * `key=value` lines, `[group:children]` sections of group names, hosts before any section in
 * `ungrouped`; values read as Python literals where they are one (2222 a number, True a boolean).
 */
import { addChild, addHost, expandHostRange, groupOf, newSource, refuse, splitHostPort, type AnsibleSource, type Origin, type Vars } from './ansible-source.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_LINE = /^([^:\]\s]+)\s*(?:#.*)?$/;

/** A line recognised as the start of an INI inventory: a section header or a host with key=value. */
export function looksLikeAnsibleIni(text: string): boolean {
  const first = text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#') && !l.startsWith(';'));
  if (first === undefined) return false;
  return SECTION.test(first) || /^[A-Za-z0-9_.[\]:-]+(\s+[A-Za-z_]\w*=\S*)+\s*(#.*)?$/.test(first);
}

/** The value of an INI `key=value` as Python's literal_eval reads it; JSON for lists and objects. */
export function iniValue(raw: string, at: Origin, name: string): unknown {
  const v = raw.trim();
  if (/^-?\d+$/.test(v)) return Number(v);
  if (/^-?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][+-]?\d+)$/.test(v)) return Number(v);
  if (v === 'True') return true;
  if (v === 'False') return false;
  if (v === 'None') return null;
  const quoted = /^'([^'\\]*)'$|^"([^"\\]*)"$/.exec(v);
  if (quoted) return quoted[1] ?? quoted[2];
  if ((v.startsWith('{') || v.startsWith('[')) && !v.startsWith('{{') && !v.startsWith('{%')) {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      refuse({ ...at, field: name, message: 'a list or mapping that hsts-cluster cannot read in an INI inventory', hint: `write it in JSON ({"a": 1}), or set ${name} in group_vars/ or host_vars/ (YAML)` });
    }
  }
  return v;
}

/** Splits a host line as Python's shlex.split(comments=True): quotes, backslashes, `#` comments. */
export function shellWords(line: string, at: Origin): { word: string; column: number }[] {
  const words: { word: string; column: number }[] = [];
  let word = null as string | null;
  let column = 0;
  let i = 0;
  const start = () => { if (word === null) { word = ''; column = i + 1; } };
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      if (word !== null) words.push({ word, column });
      word = null;
      i++;
    } else if (c === '#') {
      break;
    } else if (c === '\'' || c === '"') {
      start();
      const close = line.indexOf(c, i + 1);
      if (close < 0) refuse({ ...at, column: i + 1, message: `a ${c} quote is never closed`, hint: 'close the quote on the same line' });
      let inner = line.slice(i + 1, close);
      if (c === '"') inner = inner.replace(/\\([\\"$`])/g, '$1');
      word += inner;
      i = close + 1;
    } else if (c === '\\') {
      start();
      word += line[i + 1] ?? '';
      i += 2;
    } else {
      start();
      word += c;
      i++;
    }
  }
  if (word !== null) words.push({ word, column });
  return words;
}

export function parseAnsibleIni(text: string, file: string): AnsibleSource {
  const source = newSource(file);
  let group = 'ungrouped';
  let state = 'hosts';
  const declared = new Set(['all', 'ungrouped']);
  const onlyVars = new Map<string, Origin>();
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '');
    const trimmed = line.trim();
    const indent = line.length - line.trimStart().length;
    const at: Origin = { file, line: index + 1, column: indent + 1 };
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    const section = SECTION.exec(trimmed);
    if (section) {
      group = section[1]!;
      state = section[2] ?? 'hosts';
      if (!['hosts', 'children', 'vars'].includes(state)) refuse({ ...at, message: `section [${trimmed.slice(1, trimmed.indexOf(']'))}] has unknown type "${state}"`, hint: 'a section is [GROUP], [GROUP:vars] or [GROUP:children]' });
      if (state === 'vars' && !declared.has(group) && !onlyVars.has(group)) onlyVars.set(group, at);
      if (state !== 'vars') declared.add(group);
      groupOf(source, group);
      return;
    }
    if (trimmed.startsWith('[') && trimmed.endsWith(']')) refuse({ ...at, message: `invalid section "${trimmed}"`, hint: 'a section name has no spaces: [GROUP], [GROUP:vars] or [GROUP:children]' });
    if (state === 'vars') {
      const eq = trimmed.indexOf('=');
      if (eq < 0) refuse({ ...at, message: `expected key=value, got "${trimmed}"`, hint: `a [${group}:vars] section holds one NAME=VALUE a line` });
      const name = trimmed.slice(0, eq).trim();
      const rest = trimmed.slice(eq + 1);
      const valueAt: Origin = { ...at, column: indent + eq + 2 + rest.length - rest.trimStart().length };
      groupOf(source, group).vars.set(name, { value: iniValue(rest, valueAt, name), at: valueAt });
      return;
    }
    if (state === 'children') {
      const child = GROUP_LINE.exec(trimmed);
      if (!child) refuse({ ...at, message: `expected a group name, got "${trimmed}"`, hint: `a [${group}:children] section names one group a line` });
      addChild(source, group, child[1]!);
      declared.add(child[1]!);
      return;
    }
    const words = shellWords(line, at);
    if (words.length === 0) return;
    const [pattern, ...assignments] = words;
    const hostAt: Origin = { ...at, column: pattern!.column };
    const { host, port } = splitHostPort(pattern!.word);
    const hosts = expandHostRange(host);
    if (typeof hosts === 'string') refuse({ ...hostAt, value: pattern!.word, message: hosts, hint: 'as Ansible writes ranges: node[1:3] is node1, node2, node3' });
    const vars: Vars = new Map();
    if (port !== undefined) vars.set('ansible_port', { value: port, at: hostAt });
    for (const { word, column } of assignments) {
      const eq = word.indexOf('=');
      if (eq <= 0) refuse({ ...at, column, value: word, message: 'expected key=value host variable assignment', hint: 'a host line is HOST NAME=VALUE NAME=VALUE ...; quote a value with spaces' });
      const name = word.slice(0, eq);
      const valueAt: Origin = { ...at, column: column + eq + 1 };
      vars.set(name, { value: iniValue(word.slice(eq + 1), valueAt, name), at: valueAt });
    }
    for (const name of hosts) addHost(source, group, name, hostAt, vars);
  });
  for (const [name, at] of onlyVars) {
    if (!declared.has(name)) refuse({ ...at, message: `section [${name}:vars] is for a group that is never defined`, hint: `add a [${name}] section (or name ${name} in a :children section), as Ansible requires` });
  }
  return source;
}
