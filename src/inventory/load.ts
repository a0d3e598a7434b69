import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { KnownHosts } from '../ssh/known-hosts.js';
import { defaultIdentityFiles, openSshHost, OpenSshConfigError, parseJump, readOpenSshConfig, type OpenSshHost } from '../ssh/openssh-config.js';
import type SSHConfig from 'ssh-config';
import { privateKeyProblem } from '../ssh/private-key.js';
import { exposureWarning } from './file-exposure.js';
import { UsageError } from '../util/errors.js';
import type { Problem } from '../util/problem.js';
import { Secret } from '../util/secret.js';
import { describeIssue, jsonPath, valueAt } from './describe.js';
import type { JsonDocument } from './json-text.js';
import { readInventoryDocument, type InventorySource } from './read-file.js';
import { crossFieldProblems, isObject } from './rules.js';
import { inventorySchema, jumpHostSchema, secretRefSchema, sshSchema, type ParsedInventory, type SecretRef, type SshSettings } from './schema.js';

export { jsonPath } from './describe.js';

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
  /** The cluster: the nodes whose state is "present". */
  nodes: ClusterNode[];
  /** Nodes with "state": "absent": leaving the cluster (up detaches them over SSH). */
  leaving?: ClusterNode[];
  warnings: string[];
}

export interface LoadOptions {
  /** How the path was chosen, for the message when it does not exist. */
  source?: InventorySource;
  /** Check known_hosts before connecting, as the connection will: 'strict' wants every host in it. */
  hostKeys?: 'strict' | 'accept-new';
  /** An Ansible inventory's group of cluster hosts (--group; default hsts_cluster). */
  group?: string;
}

type Path = (string | number)[];

/** Problems as they are found, each root cause once (a key file three nodes share is one problem). */
class Findings {
  readonly problems: Problem[] = [];
  readonly warnings: string[] = [];
  private readonly seen = new Set<string>();

  constructor(readonly file: string, readonly dir: string, private readonly doc?: JsonDocument) {}

  at(path: Path, key = false): Pick<Problem, 'file' | 'line' | 'column'> {
    return { file: this.file, ...(this.doc?.locate(path, key) ?? {}) };
  }

  add(cause: string, problem: Problem): void {
    if (this.seen.has(cause)) return;
    this.seen.add(cause);
    this.problems.push(problem);
  }

  field(path: Path, message: string, hint?: string, value?: unknown): void {
    this.add(`${jsonPath(path)}: ${message}`, { ...this.at(path), field: jsonPath(path), message, ...(hint ? { hint } : {}), ...(value !== undefined ? { value } : {}) });
  }

  sorted(): Problem[] {
    const named = (p: Problem) => (p.field && this.doc?.describeField ? { ...p, field: this.doc.describeField(p.field) } : p);
    return this.problems.map(named).sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
  }
}

const expandHome = (path: string) => (path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path);
const valid = <T>(schema: z.ZodType<T>, value: unknown): T | undefined => {
  const r = schema.safeParse(value);
  return r.success ? r.data : undefined;
};

/** A path the user gave for a file we read: exists, is a file, is readable. Returns its bytes. */
function readUserFile(full: string, path: Path, what: string, f: Findings): Buffer | undefined {
  if (!existsSync(full)) {
    f.add(`missing:${full}`, { ...f.at(path), field: jsonPath(path), message: `${full} does not exist`, hint: `create it, or fix the path (relative paths start at ${f.dir})` });
    return undefined;
  }
  if (statSync(full).isDirectory()) {
    f.add(`dir:${full}`, { ...f.at(path), field: jsonPath(path), message: `${full} is a directory, not ${what}`, hint: `name the file inside it` });
    return undefined;
  }
  try {
    return readFileSync(full);
  } catch (e) {
    f.add(`unreadable:${full}`, { ...f.at(path), field: jsonPath(path), message: `${full} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, hint: 'check its permissions' });
    return undefined;
  }
}

/** Each exposed secret file once, however many fields point at it. */
function warnIfExposed(full: string, what: 'private key' | 'password file', f: Findings): void {
  const warning = exposureWarning(full, what);
  if (warning && !f.warnings.includes(warning)) f.warnings.push(warning);
}

function resolveSecret(ref: SecretRef, path: Path, f: Findings): Secret | undefined {
  const where = jsonPath(path);
  let value: string | undefined;
  if (typeof ref === 'string') {
    const warning = `${f.file}: ${where} is a literal password: anyone who can read the inventory has it. Prefer {"env": NAME} or {"file": PATH}.`;
    if (!f.warnings.includes(warning)) f.warnings.push(warning);
    value = ref;
  } else if ('env' in ref) {
    value = process.env[ref.env];
    if (value === undefined || value === '') {
      f.add(`env:${ref.env}`, { ...f.at([...path, 'env']), field: `${where}.env`, message: `environment variable ${ref.env} is not set`, hint: `export ${ref.env}=... before running hsts-cluster (or use {"file": PATH})` });
      return undefined;
    }
  } else {
    const full = resolve(f.dir, expandHome(ref.file));
    const bytes = readUserFile(full, [...path, 'file'], 'a password file', f);
    if (!bytes) return undefined;
    warnIfExposed(full, 'password file', f);
    value = bytes.toString('utf8').replace(/\r?\n$/, '');
    if (value === '') {
      f.add(`empty:${full}`, { ...f.at([...path, 'file']), field: `${where}.file`, message: `${full} is empty`, hint: 'write the password into it (one line)' });
      return undefined;
    }
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value)) {
    f.field(path, 'must not contain control characters (newline, tab, ...)', 'a password file holds one line; a Windows file may end in \\r\\n twice');
    return undefined;
  }
  return new Secret(value);
}

function readKey(keyPath: string, path: Path, f: Findings, cache: Map<string, Buffer | null>): { key: Buffer; path: string } | undefined {
  const full = resolve(f.dir, expandHome(keyPath));
  if (!cache.has(full)) {
    const bytes = readUserFile(full, path, 'a private key', f) ?? null;
    const problem = bytes ? privateKeyProblem(bytes) : undefined;
    if (problem) f.add(`key:${full}`, { ...f.at(path), field: jsonPath(path), message: `${full} ${problem.message}`, hint: problem.hint });
    if (bytes && !problem) warnIfExposed(full, 'private key', f);
    cache.set(full, problem ? null : bytes);
  }
  const key = cache.get(full);
  return key ? { key, path: full } : undefined;
}

interface HostToCheck { node: string; host: string; port: number; field: Path | undefined }

/** The OpenSSH client configs read so far, by path (null: absent or refused). */
type OpenSshConfigs = Map<string, SSHConfig | null>;

/** ssh.configFile, else ~/.ssh/config when it exists; a problem with either is reported once. */
function openSshConfigFor(configFile: { from: Path | undefined; value: string | undefined }, f: Findings, cache: OpenSshConfigs): { config: SSHConfig; path: string } | undefined {
  const given = configFile.value !== undefined && configFile.from !== undefined;
  const path = given ? resolve(f.dir, expandHome(configFile.value!)) : resolve(homedir(), '.ssh', 'config');
  if (!cache.has(path)) {
    let config: SSHConfig | null = null;
    if (given || existsSync(path)) {
      const bytes = readUserFile(path, configFile.from ?? ['ssh', 'configFile'], 'an OpenSSH config file', f);
      try {
        if (bytes) config = readOpenSshConfig(path);
      } catch (e) {
        if (!(e instanceof OpenSshConfigError)) throw e;
        f.add(`sshconfig:${path}`, { file: path, message: e.message, hint: 'fix the OpenSSH config (ssh -G HOST shows what ssh makes of it), or set the node\'s ssh settings in the inventory' });
      }
    }
    cache.set(path, config);
  }
  const config = cache.get(path);
  return config ? { config, path } : undefined;
}

/** The first IdentityFile of an ssh config (or default key) that exists and is a usable private key. */
function keyFromFiles(files: string[], source: string, f: Findings, cache: Map<string, Buffer | null>): { key: Buffer; path: string } | undefined {
  for (const file of files) {
    const full = resolve(file);
    if (!existsSync(full)) continue;
    if (!cache.has(full)) {
      const bytes = readFileSync(full);
      const problem = privateKeyProblem(bytes);
      if (problem) f.add(`key:${full}`, { file: source, message: `${full} ${problem.message}`, hint: problem.hint });
      else warnIfExposed(full, 'private key', f);
      cache.set(full, problem ? null : bytes);
    }
    const key = cache.get(full);
    if (key) return { key, path: full };
  }
  return undefined;
}

interface JumpInput {
  raw: unknown;
  /** Where the inventory's jumpHost is, if it sets one (it wins over the ssh config's ProxyJump). */
  from: Path | undefined;
  name: string;
  alias: string;
  os: OpenSshHost;
  sshConfig: { config: SSHConfig; path: string } | undefined;
  key: { key: Buffer } | undefined;
}

/** The node's jump host, from the inventory or the ssh config's ProxyJump, and its known_hosts entry to check. */
function resolveJump(input: JumpInput, f: Findings, keys: Map<string, Buffer | null>): { host: JumpHost; check: HostToCheck } | undefined {
  const { raw, from, name, alias, os, sshConfig, key } = input;
  const jump = from ? valid(jumpHostSchema, valueAt(raw, from)) : undefined;
  if (jump && from) {
    const jumpKey = jump.privateKey ? readKey(jump.privateKey, [...from, 'privateKey'], f, keys) : undefined;
    const host: JumpHost = { host: jump.host, port: jump.port, user: jump.user };
    const privateKeyForJump = jumpKey?.key ?? key?.key;
    if (privateKeyForJump) host.privateKey = privateKeyForJump;
    return { host, check: { node: `${name}'s jump host`, host: jump.host, port: jump.port, field: [...from, 'host'] } };
  }
  if (from || !os.proxyJump || !sshConfig) return undefined;
  try {
    const hop = parseJump(os.proxyJump);
    const via = openSshHost(sshConfig.config, hop.host);
    const host: JumpHost = { host: via.hostName ?? hop.host, port: hop.port ?? via.port ?? 22, user: hop.user ?? via.user ?? 'root' };
    const jumpKey = keyFromFiles(via.identityFiles, sshConfig.path, f, keys)?.key ?? key?.key;
    if (jumpKey) host.privateKey = jumpKey;
    return { host, check: { node: `${name}'s jump host (ProxyJump ${os.proxyJump})`, host: host.host, port: host.port, field: undefined } };
  } catch (e) {
    if (!(e instanceof OpenSshConfigError)) throw e;
    f.add(`proxyjump:${os.proxyJump}`, { file: sshConfig.path, message: `${alias}: ${e.message}`, hint: 'chain the hops on the jump host itself, or set "jumpHost" in the inventory' });
    return undefined;
  }
}

/** One pass over every node's SSH settings: key files, agent, secrets, and the hosts for known_hosts. */
function resolveNodes(raw: unknown, f: Findings, hostKeys: LoadOptions['hostKeys']): SshTarget[] | undefined {
  const top = isObject(raw) ? raw : {};
  const defaults = isObject(top.ssh) ? top.ssh : {};
  const nodes = Array.isArray(top.nodes) ? top.nodes : [];
  const keys = new Map<string, Buffer | null>();
  const configs: OpenSshConfigs = new Map();
  const withoutCredential: string[] = [];
  const knownHostsFiles = new Map<string, { field: Path | undefined; hosts: HostToCheck[] }>();
  const targets: SshTarget[] = [];
  nodes.forEach((node, i) => {
    const n = isObject(node) ? node : {};
    const own = isObject(n.ssh) ? n.ssh : {};
    const name = typeof n.name === 'string' ? n.name : `nodes[${i}]`;
    const setting = <K extends keyof SshSettings>(key: K): { from: Path | undefined; value: SshSettings[K] | undefined } => {
      const from: Path | undefined = own[key] !== undefined ? ['nodes', i, 'ssh', key] : defaults[key] !== undefined ? ['ssh', key] : undefined;
      const value = from ? (valid(sshSchema.shape[key] as z.ZodType, valueAt(raw, from)) as SshSettings[K] | undefined) : undefined;
      return { from, value };
    };
    const alias = setting('host').value ?? (typeof n.privateIp === 'string' ? n.privateIp : '');
    const sshConfig = openSshConfigFor(setting('configFile'), f, configs);
    let os: OpenSshHost = { identityFiles: [] };
    try {
      if (sshConfig) os = openSshHost(sshConfig.config, alias);
    } catch (e) {
      f.add(`sshconfig-host:${alias}`, { file: sshConfig!.path, message: `${alias}: ${(e as Error).message}`, hint: 'ssh -G HOST shows what ssh makes of the config' });
    }
    const privateKey = setting('privateKey');
    const agent = setting('agent');
    let key = privateKey.value && privateKey.from ? readKey(privateKey.value, privateKey.from, f, keys) : undefined;
    const sock = agent.value ? process.env.SSH_AUTH_SOCK : undefined;
    if (agent.value && !sock) f.add('agent', { ...f.at(agent.from!), field: jsonPath(agent.from!), message: 'is true but SSH_AUTH_SOCK is not set', hint: 'start an agent and add the key (eval $(ssh-agent); ssh-add KEY), or set ssh.privateKey' });
    // As ssh does with no key given: the config's IdentityFile, the agent, then the default keys.
    let implicitAgent: string | undefined;
    if (privateKey.from === undefined && agent.from === undefined) {
      key = keyFromFiles(os.identityFiles, sshConfig?.path ?? f.file, f, keys);
      implicitAgent = process.env.SSH_AUTH_SOCK || undefined;
      if (!key) key = keyFromFiles(defaultIdentityFiles(), f.file, f, keys);
      if (!key && !implicitAgent) withoutCredential.push(name);
    }

    const host = os.hostName ?? alias;
    const port = setting('port').value ?? os.port ?? 22;
    const knownHosts = setting('knownHosts');
    const knownHostsPath = resolve(f.dir, expandHome(knownHosts.value ?? os.userKnownHostsFile ?? '~/.ssh/known_hosts'));
    const target: SshTarget = {
      host,
      port,
      user: setting('user').value ?? os.user ?? 'root',
      knownHostsPath,
      connectTimeoutMs: setting('connectTimeoutMs').value ?? (os.connectTimeoutSeconds !== undefined ? os.connectTimeoutSeconds * 1000 : 10_000),
    };
    if (key) { target.privateKey = key.key; target.privateKeyPath = key.path; }
    if (sock ?? implicitAgent) target.agent = (sock ?? implicitAgent)!;
    const sudo = setting('sudoPassword');
    if (sudo.value !== undefined && sudo.from) {
      const secret = resolveSecret(sudo.value, sudo.from, f);
      if (secret) target.sudoPassword = secret;
    }
    const hostsHere: HostToCheck[] = [{ node: name, host, port, field: setting('host').from }];
    const jump = resolveJump({ raw, from: setting('jumpHost').from, name, alias, os, sshConfig, key }, f, keys);
    if (jump) { target.jumpHost = jump.host; hostsHere.push(jump.check); }
    const group = knownHostsFiles.get(knownHostsPath) ?? { field: knownHosts.from, hosts: [] };
    group.hosts.push(...hostsHere.filter((h) => h.host !== ''));
    knownHostsFiles.set(knownHostsPath, group);
    targets.push(target);
  });
  if (withoutCredential.length > 0) {
    const all = withoutCredential.length === nodes.length;
    f.add('credential', {
      ...f.at(all ? ['ssh'] : []),
      field: all ? 'ssh' : withoutCredential.join(', '),
      message: `no SSH credential${all ? '' : ` for ${withoutCredential.join(', ')}`}: neither privateKey nor agent is set, no IdentityFile in the ssh config, no SSH_AUTH_SOCK and no ~/.ssh/id_ed25519, id_ecdsa or id_rsa`,
      hint: 'set "privateKey": "PATH" (a key file, relative to the inventory) or "agent": true in "ssh" (for every node) or in a node\'s "ssh", or start an agent (eval $(ssh-agent); ssh-add KEY)',
    });
  }
  if (hostKeys) for (const [path, group] of knownHostsFiles) checkKnownHosts(path, group.field, group.hosts, hostKeys, f);
  return targets;
}

/** What the connection would refuse later (a host missing from known_hosts), refused now, touching nothing. */
function checkKnownHosts(path: string, field: Path | undefined, hosts: HostToCheck[], policy: 'strict' | 'accept-new', f: Findings): void {
  const fieldName = field ? jsonPath(field) : 'ssh.knownHosts (default ~/.ssh/known_hosts)';
  const at = field ? f.at(field) : { file: f.file };
  const addHint = (list: HostToCheck[]) => {
    const first = list[0]!;
    return `check each host's key fingerprint with its administrator, then add it (ssh-keyscan ${first.port === 22 ? '' : `-p ${first.port} `}${first.host} >> ${path}), or run once with --accept-new-host-keys`;
  };
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) {
      f.add(`kh-dir:${path}`, { ...at, field: fieldName, message: `${path} is a directory, not a known_hosts file`, hint: 'name the file, e.g. ~/.ssh/known_hosts' });
      return;
    }
    try {
      accessSync(path, constants.R_OK);
    } catch {
      f.add(`kh-read:${path}`, { ...at, field: fieldName, message: `${path} cannot be read`, hint: 'check its permissions' });
      return;
    }
  } else {
    if (policy === 'strict') f.add(`kh-missing:${path}`, { ...at, field: fieldName, message: `${path} does not exist, so no host key is known`, hint: addHint(hosts) });
    return;
  }
  if (policy !== 'strict') return;
  const known = new KnownHosts(path);
  const missing = hosts.filter((h) => known.keyTypes(h.host, h.port).length === 0);
  if (missing.length === 0) return;
  const names = missing.map((h) => `${h.node} (${h.port === 22 ? h.host : `[${h.host}]:${h.port}`})`);
  f.add(`kh-unknown:${path}`, { ...at, field: fieldName, message: `${path} has no host key for ${names.join(', ')}`, hint: addHint(missing) });
}

function checkRedisPassword(raw: unknown, f: Findings): Secret | undefined {
  const path: Path = ['cluster', 'redisPassword'];
  const ref = valid(secretRefSchema, valueAt(raw, path));
  if (ref === undefined) return undefined;
  const secret = resolveSecret(ref, path, f);
  // Sentinel writes "sentinel auth-pass NAME PASSWORD" back unquoted when it rewrites its file, and
  // then cannot read a password with a space, a quote or a backslash in it.
  if (secret && /[\s"'\\]/.test(secret.reveal())) {
    f.field(path, 'must not contain spaces, quotes or backslashes (Sentinel writes it back unquoted)', 'choose a password of letters, digits and punctuation such as -_.:@!');
    return undefined;
  }
  return secret;
}

function schemaAndRules(doc: JsonDocument, f: Findings): ParsedInventory | undefined {
  for (const d of doc.duplicates) {
    f.add(`dup:${jsonPath(d.path)}`, { file: f.file, ...d.again, field: jsonPath(d.path), message: `appears twice (also at ${d.first.line}:${d.first.column}); only this one would count`, hint: 'remove one of them' });
  }
  const parsed = inventorySchema.safeParse(doc.value);
  if (!parsed.success) for (const issue of parsed.error.issues) for (const p of describeIssue(issue, doc, f.file)) f.add(`${p.field}: ${p.message}`, p);
  for (const rule of crossFieldProblems(doc.value)) f.field(rule.path, rule.message, rule.hint);
  return parsed.success ? parsed.data : undefined;
}

/** Types and cross-field rules of an inventory already read (no files, no environment). */
export function parseInventory(raw: unknown, file: string): ParsedInventory {
  const doc: JsonDocument = { value: raw, locate: () => undefined, duplicates: [] };
  const f = new Findings(file, dirname(resolve(file)), doc);
  const parsed = schemaAndRules(doc, f);
  if (!parsed || f.problems.length > 0) throw new UsageError(f.sorted());
  return parsed;
}

/**
 * Reads, validates and resolves an inventory in one pass: types, cross-field rules, secrets, key
 * files and (with hostKeys) known_hosts. Throws UsageError listing every problem found.
 */
export function loadInventory(path: string, options: LoadOptions = {}): Inventory {
  const doc = readInventoryDocument(path, options.source ?? 'option', options.group);
  const file = resolve(path);
  const f = new Findings(path, dirname(file), doc);
  const parsed = schemaAndRules(doc, f);
  const redisPassword = checkRedisPassword(doc.value, f);
  const targets = resolveNodes(doc.value, f, options.hostKeys);
  if (!parsed || !redisPassword || !targets || f.problems.length > 0) throw new UsageError(f.sorted());
  const all = parsed.nodes.map((node, i) => ({ name: node.name, privateIp: node.privateIp, role: node.role, ssh: targets[i]!, state: node.state }));
  const strip = ({ state: _, ...node }: (typeof all)[number]): ClusterNode => node;
  const nodes = all.filter((node) => node.state === 'present').map(strip);
  const leaving = all.filter((node) => node.state === 'absent').map(strip);
  // The primary is leaving: the first present node takes over (rules allow no other present primary then).
  if (!nodes.some((node) => node.role === 'primary')) nodes[0] = { ...nodes[0]!, role: 'primary' };
  const n = nodes.length;
  return {
    path: file,
    cluster: { ...parsed.cluster, quorum: parsed.cluster.quorum ?? Math.floor(n / 2) + 1, redisPassword },
    nodes,
    leaving,
    warnings: f.warnings,
  };
}
