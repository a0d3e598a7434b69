import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { Secret } from '../util/secret.js';
import { UsageError } from '../util/errors.js';
import { inventorySchema, type ParsedInventory, type SecretRef, type SshSettings } from './schema.js';

export interface SavePolicy { seconds: number; changes: number }

export interface ClusterSettings {
  primarySet: string;
  redisPort: number;
  sentinelPort: number;
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  save: SavePolicy[];
  redisPassword: Secret;
  transferUsers: string[];
  nodedUser: string;
}

export interface JumpHost { host: string; port: number; user: string; privateKey?: Buffer }

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  privateKey?: Buffer;
  privateKeyPath?: string;
  agent?: string;
  knownHostsPath: string;
  sudoPassword?: Secret;
  jumpHost?: JumpHost;
  connectTimeoutMs: number;
}

export interface ClusterNode {
  name: string;
  privateIp: string;
  role: 'primary' | 'replica';
  ssh: SshTarget;
}

export interface Inventory {
  path: string;
  cluster: ClusterSettings;
  nodes: ClusterNode[];
  warnings: string[];
}

/** "nodes[1].privateIp" from zod's path. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || '(top level)';
}

/** One line per problem: the file, the JSON path, what is wrong, and the offending value (never a secret's). */
function describeIssue(file: string, issue: z.core.$ZodIssue, raw: unknown): string {
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown field(s): ${issue.keys.join(', ')}`;
  const value = issue.path.reduce<unknown>((at, key) => (at as Record<PropertyKey, unknown> | undefined)?.[key], raw);
  if (value === undefined && issue.code !== 'custom' && issue.code !== 'unrecognized_keys') message = 'is required';
  const scalar = value !== undefined && value !== null && typeof value !== 'object';
  const secret = issue.path.some((part) => part === 'redisPassword' || part === 'sudoPassword');
  const shown = scalar && !secret && issue.code !== 'custom' ? ` (got ${JSON.stringify(value)})` : '';
  return `${file}: ${jsonPath(issue.path)}: ${message}${shown}`;
}

export function parseInventory(raw: unknown, file: string): ParsedInventory {
  const parsed = inventorySchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => describeIssue(file, issue, raw)));
  return parsed.data;
}

function readJson(path: string): unknown {
  if (!existsSync(path)) throw new UsageError([`-i ${path}: no such inventory file`]);
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError([`${path}: not valid JSON: ${(e as Error).message}`]);
  }
}

interface Resolver { dir: string; file: string; problems: string[]; warnings: string[] }

function resolveSecret(ref: SecretRef, where: string, r: Resolver): Secret | undefined {
  let value: string | undefined;
  if (typeof ref === 'string') {
    r.warnings.push(
      `${r.file}: ${where} is a literal password: anyone who can read the inventory has it. ` +
        'Prefer {"env": NAME} or {"file": PATH}.',
    );
    value = ref;
  } else if ('env' in ref) {
    value = process.env[ref.env];
    if (value === undefined || value === '') {
      r.problems.push(`${r.file}: ${where}.env: environment variable ${ref.env} is not set`);
      return undefined;
    }
  } else {
    const path = resolve(r.dir, ref.file);
    if (!existsSync(path)) {
      r.problems.push(`${r.file}: ${where}.file: ${path} does not exist`);
      return undefined;
    }
    value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    if (value === '') {
      r.problems.push(`${r.file}: ${where}.file: ${path} is empty`);
      return undefined;
    }
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value)) {
    r.problems.push(`${r.file}: ${where}: must not contain control characters (newline, tab, ...)`);
    return undefined;
  }
  return new Secret(value);
}

function readKey(path: string | undefined, where: string, r: Resolver): { key?: Buffer; path?: string } {
  if (path === undefined) return {};
  const full = resolve(r.dir, expandHome(path));
  if (!existsSync(full)) {
    r.problems.push(`${r.file}: ${where}: ${full} does not exist`);
    return {};
  }
  return { key: readFileSync(full), path: full };
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}

function resolveSsh(
  defaults: SshSettings,
  own: SshSettings | undefined,
  privateIp: string,
  where: string,
  r: Resolver,
): SshTarget {
  const s = { ...defaults, ...(own ?? {}) };
  const from = (field: keyof SshSettings) => (own?.[field] !== undefined ? `${where}.ssh.${field}` : `ssh.${field}`);
  const key = readKey(s.privateKey, from('privateKey'), r);
  const agent = s.agent ? process.env.SSH_AUTH_SOCK : undefined;
  if (s.agent && !agent) r.problems.push(`${r.file}: ${from('agent')}: is true but SSH_AUTH_SOCK is not set`);
  if (!key.key && !agent) {
    r.problems.push(`${r.file}: ${where}: no SSH credential: set ssh.privateKey or ssh.agent`);
  }
  const target: SshTarget = {
    host: s.host ?? privateIp,
    port: s.port ?? 22,
    user: s.user ?? 'root',
    knownHostsPath: resolve(r.dir, expandHome(s.knownHosts ?? '~/.ssh/known_hosts')),
    connectTimeoutMs: s.connectTimeoutMs ?? 10_000,
  };
  if (key.key) target.privateKey = key.key;
  if (key.path) target.privateKeyPath = key.path;
  if (agent) target.agent = agent;
  if (s.sudoPassword !== undefined) {
    const secret = resolveSecret(s.sudoPassword, from('sudoPassword'), r);
    if (secret) target.sudoPassword = secret;
  }
  if (s.jumpHost) {
    const jumpKey = readKey(s.jumpHost.privateKey, `${from('jumpHost')}.privateKey`, r);
    target.jumpHost = { host: s.jumpHost.host, port: s.jumpHost.port, user: s.jumpHost.user };
    const privateKey = jumpKey.key ?? key.key;
    if (privateKey) target.jumpHost.privateKey = privateKey;
  }
  return target;
}

/** Reads, validates and resolves an inventory. Throws UsageError listing every problem found. */
export function loadInventory(path: string): Inventory {
  const file = resolve(path);
  const parsed = parseInventory(readJson(file), path);
  return resolveInventory(parsed, file);
}

export function resolveInventory(parsed: ParsedInventory, file: string): Inventory {
  const r: Resolver = { dir: dirname(file), file, problems: [], warnings: [] };
  let redisPassword = resolveSecret(parsed.cluster.redisPassword, 'cluster.redisPassword', r);
  // Sentinel writes "sentinel auth-pass NAME PASSWORD" back unquoted when it rewrites its file, and
  // then cannot read a password with a space, a quote or a backslash in it.
  if (redisPassword && /[\s"'\\]/.test(redisPassword.reveal())) {
    r.problems.push(`${file}: cluster.redisPassword: must not contain spaces, quotes or backslashes (Sentinel writes it back unquoted)`);
    redisPassword = undefined;
  }
  const nodes = parsed.nodes.map((node, i) => ({
    name: node.name,
    privateIp: node.privateIp,
    role: node.role,
    ssh: resolveSsh(parsed.ssh, node.ssh, node.privateIp, `nodes[${i}]`, r),
  }));
  if (r.problems.length > 0 || !redisPassword) throw new UsageError(r.problems);
  const n = nodes.length;
  return {
    path: file,
    cluster: {
      ...parsed.cluster,
      quorum: parsed.cluster.quorum ?? Math.floor(n / 2) + 1,
      redisPassword,
    },
    nodes,
    warnings: r.warnings,
  };
}
