import type { z } from 'zod';
import type { Problem } from '../util/problem.js';
import type { JsonDocument } from './json-text.js';
import { clusterSchema, jumpHostSchema, nodeSchema, savePolicySchema, sshSchema } from './schema.js';
import { suggestField } from './suggest.js';
import { USER_NAME } from './user-name.js';

/** "nodes[1].privateIp" from a JSON path. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || '(top level)';
}

const SECRET_FIELDS = new Set<PropertyKey>(['redisPassword', 'sudoPassword']);
export const isSecretPath = (path: readonly PropertyKey[]) => path.some((part) => SECRET_FIELDS.has(part));
export const SECRET_FORMS = 'must be {"env": "NAME"} (an environment variable), {"file": "PATH"} (relative to the inventory) or a literal string (works, with a warning)';

/** The fields allowed in each kind of object, by where it sits. */
const PLACES: Record<string, { label: string; fields: string[] }> = {
  top: { label: 'the top level', fields: ['$schema', 'cluster', 'ssh', 'nodes'] },
  cluster: { label: '"cluster"', fields: Object.keys(clusterSchema.shape) },
  ssh: { label: '"ssh" (or a node\'s "ssh")', fields: Object.keys(sshSchema.shape) },
  node: { label: 'a node', fields: Object.keys(nodeSchema.shape) },
  jumpHost: { label: '"jumpHost"', fields: Object.keys(jumpHostSchema.shape) },
  save: { label: 'a "save" entry', fields: Object.keys(savePolicySchema.shape) },
  secret: { label: 'a secret reference', fields: ['env', 'file'] },
};

function placeOf(path: readonly PropertyKey[]): string {
  const last = [...path].reverse().find((p) => typeof p === 'string');
  if (last === undefined) return 'top';
  if (last === 'nodes') return 'node';
  if (SECRET_FIELDS.has(last)) return 'secret';
  return last in PLACES ? last : 'top';
}

export function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((at, key) => (typeof at === 'object' && at !== null ? (at as Record<PropertyKey, unknown>)[key] : undefined), raw);
}

function unknownField(key: string, path: readonly PropertyKey[]): Pick<Problem, 'message' | 'hint'> {
  const place = placeOf(path);
  const { fields } = PLACES[place]!;
  const elsewhere = Object.entries(PLACES).filter(([other]) => other !== place && other !== 'secret');
  const exactElsewhere = elsewhere.find(([, { fields: theirs }]) => theirs.includes(key));
  if (exactElsewhere) return { message: `unknown field "${key}"`, hint: `"${key}" belongs in ${exactElsewhere[1].label}` };
  const near = suggestField(key, fields);
  if (near) return { message: `unknown field "${key}"`, hint: `did you mean "${near}"?` };
  for (const [, { label, fields: theirs }] of elsewhere) {
    const there = suggestField(key, theirs);
    if (there) return { message: `unknown field "${key}"`, hint: `"${there}" belongs in ${label}` };
  }
  return { message: `unknown field "${key}"`, hint: `the fields allowed in ${PLACES[place]!.label}: ${fields.join(', ')}` };
}

const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);
const EXPECTED: Record<string, string> = { number: 'a number', string: 'a string (in double quotes)', boolean: 'true or false', array: 'a list [...]', object: 'an object {...}' };

function typeHint(expected: string, value: unknown, path: readonly PropertyKey[]): string | undefined {
  if (expected === 'number' && typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return `remove the quotes: ${value.trim()}, not "${value}"`;
  if (expected === 'boolean' && (value === 'true' || value === 'false')) return `remove the quotes: ${value}, not "${value}"`;
  if (expected === 'array' && path[path.length - 1] === 'nodes') return 'write the nodes as a list: "nodes": [ { "name": ..., "privateIp": ..., "role": ... }, ... ]';
  if (expected === 'array') return 'write a list: [ ... ]';
  if (expected === 'object' && path[path.length - 1] === 'jumpHost') return 'write "jumpHost": { "host": "...", "port": 22, "user": "..." }';
  return undefined;
}

function missingHint(path: readonly PropertyKey[]): string {
  const last = path[path.length - 1];
  if (last === 'redisPassword') return 'add "redisPassword": {"env": "HSTS_REDIS_PASSWORD"} (or {"file": "PATH"}) to "cluster"';
  if (last === 'nodes') return 'add "nodes": [ ... ] with three or more nodes (see inventory.example.json)';
  if (last === 'cluster') return 'add "cluster": { "redisPassword": ... } (see inventory.example.json)';
  if (last === 'role') return 'add "role": "primary" or "replica"';
  if (last === 'privateIp') return 'add the node\'s cluster address, "privateIp": "A.B.C.D" (the address Redis and Sentinel bind to)';
  return 'see inventory.example.json';
}

function secretFormProblem(value: unknown): Pick<Problem, 'message' | 'hint'> {
  const example = 'e.g. {"env": "HSTS_REDIS_PASSWORD"} or {"file": "redis-password"}';
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.includes('env') && keys.includes('file')) return { message: `${SECRET_FORMS}; got both "env" and "file"`, hint: 'keep one of them' };
    const odd = keys.filter((k) => k !== 'env' && k !== 'file');
    if (odd.length > 0) return { message: `${SECRET_FORMS}; got an object with ${odd.map((k) => `"${k}"`).join(', ')}`, hint: example };
    const [key] = keys;
    if (key) return { message: `"${key}" must be a string`, hint: example };
    return { message: `${SECRET_FORMS}; got an empty object`, hint: example };
  }
  return { message: `${SECRET_FORMS}; got ${typeName(value)}`, hint: example };
}

function formatHint(path: readonly PropertyKey[], value: unknown): string | undefined {
  const last = path[path.length - 1];
  if (last === 'privateIp' && typeof value === 'string') {
    if (value.includes(':')) return 'IPv6 is not supported: use the node\'s IPv4 cluster address';
    if (/[A-Za-z]/.test(value)) return 'host names go in ssh.host ("ssh": {"host": "' + value + '"}); privateIp is the IPv4 address Redis and Sentinel bind to';
    if (/^10\.11\.52\.348$/.test(value)) return 'the specification\'s example 10.11.52.348 is not an address: use the node\'s real one';
    return 'write four numbers 0-255 without leading zeros, e.g. 10.0.0.5';
  }
  if ((last === 'user' || last === 'nodedUser' || typeof last === 'number') && typeof value === 'string' && USER_NAME.test(value.toLowerCase())) {
    return `user names are lower case on Linux: "${value.toLowerCase()}"?`;
  }
  if (last === 'host' && typeof value === 'string' && value.includes('@')) return 'the user goes in ssh.user: "host": "' + value.split('@').pop() + '", "user": "' + value.split('@')[0] + '"';
  if (last === 'env') return 'environment variable names are letters, digits and "_", not starting with a digit';
  return undefined;
}

/** One problem per zod issue (one per unknown field), with the file position, value and next step. */
export function describeIssue(issue: z.core.$ZodIssue, doc: JsonDocument, file: string): Problem[] {
  const path = issue.path;
  const field = jsonPath(path);
  const value = valueAt(doc.value, path);
  const secret = isSecretPath(path);
  const at = (p: readonly PropertyKey[], key = false) => ({ file, ...(doc.locate(p, key) ?? {}) });
  const shown = !secret && value !== undefined && (value === null || typeof value !== 'object') ? { value } : {};

  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ ...at([...path, key], true), field: jsonPath([...path, key]), ...unknownField(key, path) }));
  }
  if (value === undefined) {
    return [{ ...at(path.slice(0, -1)), field, message: 'is required', hint: missingHint(path) }];
  }
  if (issue.code === 'invalid_union' && placeOf(path) === 'secret') {
    return [{ ...at(path), field, ...secretFormProblem(value) }];
  }
  if (issue.code === 'invalid_type' && typeof value === 'number') {
    return [{ ...at(path), field, message: issue.message, ...shown }];
  }
  if (issue.code === 'invalid_type') {
    const hint = typeHint(issue.expected, value, path);
    return [{ ...at(path), field, message: `must be ${EXPECTED[issue.expected] ?? issue.expected}, not ${typeName(value)}`, ...shown, ...(hint ? { hint } : {}) }];
  }
  if (issue.code === 'invalid_value' && path[path.length - 1] === 'role') {
    const hint = value === 'master' ? 'Redis says "master"; the inventory says "primary"'
      : value === 'slave' || value === 'secondary' || value === 'standby' ? 'the inventory says "replica"' : 'one node is "primary", the others "replica"';
    return [{ ...at(path), field, message: issue.message, ...shown, hint }];
  }
  const hint = formatHint(path, value);
  return [{ ...at(path), field, message: issue.message, ...shown, ...(hint ? { hint } : {}) }];
}
