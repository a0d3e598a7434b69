import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** OpenSSH's name for a host in known_hosts: "host" on port 22, else "[host]:port". */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

interface Entry { patterns: string[]; keyType: string; key: Buffer; revoked: boolean }

function parse(text: string): Entry[] {
  const entries: Entry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let revoked = false;
    if (fields[0]!.startsWith('@')) {
      const marker = fields.shift()!;
      if (marker === '@cert-authority') continue; // host certificates are not supported; such lines are skipped
      revoked = marker === '@revoked';
    }
    const [patterns, keyType, key] = fields;
    if (!patterns || !keyType || !key) continue;
    entries.push({ patterns: patterns.split(','), keyType, key: Buffer.from(key, 'base64'), revoked });
  }
  return entries;
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(name);
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return globMatch(pattern.toLowerCase(), name.toLowerCase());
}

function hostMatches(patterns: string[], name: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (patternMatches(pattern.slice(1), name)) return false;
    } else if (patternMatches(pattern, name)) matched = true;
  }
  return matched;
}

/** The key type of an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(blob: Buffer): string {
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString('ascii');
}

export type HostKeyVerdict = 'known' | 'unknown' | 'changed' | 'revoked';

/** A plain host name (no wildcard, negation or hash): matched by a lookup, not a pattern. */
const LITERAL = /^[^*?!|]+$/;

/**
 * A file's entries, indexed: entries whose names are all plain by name (lower case), the rest
 * (wildcards, negations, hashed names) kept apart and matched one by one. Every connection asks
 * about its host; a run connects to every node, so without the index the work grew with nodes
 * times entries (a known_hosts with a line per node: the square of the cluster's size).
 */
class Index {
  readonly byName = new Map<string, Entry[]>();
  readonly patterned: Entry[] = [];
  readonly revokedKeys: Buffer[] = [];

  constructor(readonly entries: Entry[]) {
    for (const e of entries) this.add(e);
  }

  add(e: Entry): void {
    if (e.revoked) this.revokedKeys.push(e.key);
    if (!e.patterns.every((p) => LITERAL.test(p))) {
      this.patterned.push(e);
      return;
    }
    for (const name of new Set(e.patterns.map((p) => p.toLowerCase()))) this.byName.set(name, [...(this.byName.get(name) ?? []), e]);
  }

  /** The entries for a host name, in file order. */
  matching(name: string): Entry[] {
    const literal = this.byName.get(name.toLowerCase()) ?? [];
    const patterned = this.patterned.filter((e) => hostMatches(e.patterns, name));
    if (patterned.length === 0) return literal;
    return [...literal, ...patterned].sort((a, b) => this.entries.indexOf(a) - this.entries.indexOf(b));
  }
}

// One parse per file and version (size and mtime) per process: each connection opens a KnownHosts.
const parsed = new Map<string, { version: string; index: Index }>();

function indexOf(path: string): Index {
  let version: string;
  try {
    const st = statSync(path);
    version = `${st.size}:${st.mtimeMs}:${st.ino}`;
  } catch {
    return new Index([]);
  }
  const cached = parsed.get(path);
  if (cached && cached.version === version) return cached.index;
  const index = new Index(parse(readFileSync(path, 'utf8')));
  parsed.set(path, { version, index });
  return index;
}

export class KnownHosts {
  private index: Index;

  constructor(readonly path: string) {
    this.index = indexOf(path);
  }

  /** Key types recorded for this host: ssh2 should negotiate one of them. */
  keyTypes(host: string, port: number): string[] {
    const name = knownHostsName(host, port);
    return [...new Set(this.index.matching(name).filter((e) => !e.revoked).map((e) => e.keyType))];
  }

  check(host: string, port: number, key: Buffer): HostKeyVerdict {
    const name = knownHostsName(host, port);
    if (this.index.revokedKeys.some((k) => k.equals(key))) return 'revoked';
    const forHost = this.index.matching(name).filter((e) => !e.revoked);
    if (forHost.some((e) => e.key.equals(key))) return 'known';
    // Like OpenSSH: a different key of the same type for a known host is a changed key.
    if (forHost.some((e) => e.keyType === keyTypeOf(key))) return 'changed';
    return forHost.length > 0 ? 'changed' : 'unknown';
  }

  /** Records a new host key, as OpenSSH's StrictHostKeyChecking=accept-new does. */
  add(host: string, port: number, key: Buffer): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const line = `${knownHostsName(host, port)} ${keyTypeOf(key)} ${key.toString('base64')}\n`;
    appendFileSync(this.path, line, { mode: 0o600 });
    // A fresh index (the file changed): this instance sees the new key, others read the file again.
    this.index = new Index([...this.index.entries, ...parse(line)]);
    parsed.delete(this.path);
  }
}

/** SHA256 fingerprint as OpenSSH prints it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}
