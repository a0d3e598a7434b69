/**
 * A backup archive: a POSIX tar (readable with `tar -tvf`) holding `manifest.json`, the primary's
 * `redis.rdb` and each node's managed files under `nodes/NAME/...`. Pure: bytes in, bytes out.
 * Passwords are left out: the directives that carry one are replaced by `<left out>` (see redactConf).
 * Format 2 adds `manifest.json.hmac`: an HMAC-SHA256 of manifest.json's bytes (which hold every
 * member's sha256) keyed by the cluster's backup key, which only root on the nodes holds
 * (key.ts); format 1 archives carry none.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { tokenize } from '../../hsts/conf-lines.js';

export const FORMAT = 'hsts-cluster-backup/2';
const FORMAT_1 = 'hsts-cluster-backup/1';
export const HMAC_MEMBER = 'manifest.json.hmac';
export const LEFT_OUT = '<left out>';

export interface Manifest {
  format: typeof FORMAT | typeof FORMAT_1;
  cluster: { primarySet: string; nodes: { name: string; privateIp: string }[] };
  createdAt: string;
  tool: string;
  redisVersion: string;
  primary: string;
  passwords: string;
  files: { path: string; sha256: string; bytes: number }[];
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The backup key's public name: which key signed an archive, never the key. */
export const keyId = (key: Buffer) => sha256(Buffer.concat([Buffer.from('hsts-cluster backup key id\n'), key])).slice(0, 16);

interface Signature { alg: 'HMAC-SHA256'; keyId: string; mac: string }

function sign(manifest: Buffer, key: Buffer): Signature {
  return { alg: 'HMAC-SHA256', keyId: keyId(key), mac: createHmac('sha256', key).update(manifest).digest('hex') };
}

/** Lines of Redis/Sentinel configuration that carry a password, or a hash of one. */
function carriesPassword(args: string[]): boolean {
  const key = args[0]!.toLowerCase();
  const sentinelKey = key === 'sentinel' ? args[1]?.toLowerCase() : undefined;
  // sentinel-pass: what a Sentinel presents to the others (rotate-password sets it during a rotation).
  return key === 'requirepass' || key === 'masterauth' || key === 'primaryauth' || key === 'user' || sentinelKey === 'auth-pass' || sentinelKey === 'sentinel-pass';
}

/** The file with every password-carrying directive's value replaced (its name kept, so a reader sees what was there). */
export function redactConf(text: string): string {
  return text.split('\n').map((line) => {
    const args = tokenize(line);
    if (!args || !carriesPassword(args)) return line;
    const sentinelKey = args[0]!.toLowerCase() === 'sentinel' ? args[1]?.toLowerCase() : undefined;
    // Keep the directive's name (and auth-pass's set name), never a value.
    const kept = args.slice(0, sentinelKey === 'auth-pass' ? 3 : sentinelKey ? 2 : 1);
    return `${kept.join(' ')} ${LEFT_OUT}`;
  }).join('\n');
}

// ---- tar (ustar), the subset this archive needs: regular files, names up to 100 bytes ----

function header(name: string, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(512);
  const put = (text: string, at: number, len: number) => h.write(text, at, len, 'utf8');
  const octal = (n: number, len: number) => n.toString(8).padStart(len - 1, '0');
  if (Buffer.byteLength(name) > 100) throw new Error(`archive member name too long: ${name}`);
  put(name, 0, 100);
  put(octal(0o600, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(mtime, 12), 136, 12);
  h.fill(' ', 148, 156);
  put('0', 156, 1);
  put('ustar\u000000', 257, 8);
  const sum = h.reduce((s, b) => s + b, 0);
  put(`${octal(sum, 7)}\u0000`, 148, 8);
  return h;
}

export function writeTar(files: { path: string; content: Buffer }[], mtime = Math.floor(Date.now() / 1000)): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(header(f.path, f.content.length, mtime), f.content, Buffer.alloc((512 - (f.content.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export class ArchiveError extends Error {}

export function readTar(buf: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let at = 0;
  while (at + 512 <= buf.length) {
    const h = buf.subarray(at, at + 512);
    if (h.every((b) => b === 0)) return files;
    const field = (from: number, len: number) => h.subarray(from, from + len).toString('utf8').replace(/\0.*$/s, '').trim();
    const sum = h.reduce((s, b, i) => s + (i >= 148 && i < 156 ? 32 : b), 0);
    if (parseInt(field(148, 8), 8) !== sum) throw new ArchiveError(`not a tar archive (bad header checksum at byte ${at})`);
    const size = parseInt(field(124, 12), 8);
    const start = at + 512;
    if (start + size > buf.length) throw new ArchiveError('the archive is cut short');
    if (field(156, 1) === '0' || field(156, 1) === '') files.set(field(0, 100), Buffer.from(buf.subarray(start, start + size)));
    at = start + Math.ceil(size / 512) * 512;
  }
  throw new ArchiveError('the archive has no end marker (cut short?)');
}

/** The archive's files checked against its manifest: every listed file present with its checksum. */
export interface OpenedArchive {
  manifest: Manifest;
  files: Map<string, Buffer>;
  /** The archive file's sha256, to show before anything is loaded. */
  sha256: string;
  /** manifest.json's HMAC member, parsed; null when the archive has none (format 1, or removed). */
  signature: Signature | null;
}

export function openArchive(buf: Buffer): OpenedArchive {
  const files = readTar(buf);
  const raw = files.get('manifest.json');
  if (!raw) throw new ArchiveError('no manifest.json: not an hsts-cluster backup');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(raw.toString('utf8')) as Manifest;
  } catch {
    throw new ArchiveError('manifest.json is not JSON');
  }
  const format: unknown = manifest.format;
  if (format !== FORMAT && format !== FORMAT_1) throw new ArchiveError(`unknown format ${JSON.stringify(format)} (expected ${FORMAT})`);
  if (!Array.isArray(manifest.files)) throw new ArchiveError('manifest.json lists no files');
  const c: unknown = manifest.cluster;
  const nodesOk = typeof c === 'object' && c !== null && typeof (c as Manifest['cluster']).primarySet === 'string' &&
    Array.isArray((c as Manifest['cluster']).nodes) && (c as Manifest['cluster']).nodes.every((n) => typeof n?.privateIp === 'string');
  if (!nodesOk) throw new ArchiveError('manifest.json names no cluster (primarySet and nodes)');
  if (typeof manifest.createdAt !== 'string') throw new ArchiveError('manifest.json has no createdAt');
  for (const f of manifest.files) {
    if (typeof f?.path !== 'string' || typeof f.sha256 !== 'string') throw new ArchiveError('manifest.json lists a file without path or sha256');
    const content = files.get(f.path);
    if (!content) throw new ArchiveError(`${f.path} is listed in the manifest but missing`);
    if (sha256(content) !== f.sha256) throw new ArchiveError(`${f.path}: checksum mismatch (the archive is damaged)`);
  }
  if (!files.has('redis.rdb') || !manifest.files.some((f) => f.path === 'redis.rdb')) throw new ArchiveError('no redis.rdb in the manifest');
  return { manifest, files, sha256: sha256(buf), signature: parseSignature(files.get(HMAC_MEMBER)) };
}

function parseSignature(raw: Buffer | undefined): Signature | null {
  if (!raw || raw.length > 1024) return null;
  try {
    const s = JSON.parse(raw.toString('utf8')) as Partial<Signature>;
    const ok = s.alg === 'HMAC-SHA256' && typeof s.keyId === 'string' && /^[0-9a-f]{16}$/.test(s.keyId) && typeof s.mac === 'string' && /^[0-9a-f]{64}$/.test(s.mac);
    return ok ? s as Signature : null;
  } catch {
    return null;
  }
}

/**
 * Whether this cluster made the archive: `verified` (its HMAC checks with the cluster's key),
 * `unsigned` (no HMAC: format 1, or the member removed), `no-key` (the nodes hold no backup key),
 * `other-key` (signed with a key this cluster does not hold: another cluster's, or a replaced key),
 * `forged` (this cluster's key id, a MAC that does not check: the archive was changed).
 */
export type Authenticity = 'verified' | 'unsigned' | 'no-key' | 'other-key' | 'forged';

export function checkAuthenticity(opened: Pick<OpenedArchive, 'files' | 'signature'>, key: Buffer | null): Authenticity {
  if (!opened.signature) return 'unsigned';
  if (!key) return 'no-key';
  if (opened.signature.keyId !== keyId(key)) return 'other-key';
  const expected = Buffer.from(sign(opened.files.get('manifest.json')!, key).mac, 'hex');
  return timingSafeEqual(expected, Buffer.from(opened.signature.mac, 'hex')) ? 'verified' : 'forged';
}

/** Why a restore of this archive needs --force (null: it needs none), naming what to do. */
export function authenticityRefusal(authenticity: Authenticity, force: boolean): string | null {
  if (authenticity === 'verified' || force) return null;
  const why: Record<Exclude<Authenticity, 'verified'>, string> = {
    unsigned: 'the archive carries no HMAC (written by an hsts-cluster before format 2, or the HMAC was removed): nothing shows this cluster made it',
    'no-key': 'no node holds this cluster\'s backup key (no backup was made with this version yet), so the archive\'s HMAC cannot be checked',
    'other-key': 'the archive was signed with a backup key this cluster does not hold: it comes from another cluster (or the key was replaced since)',
    forged: 'the archive\'s HMAC does not match its content under this cluster\'s backup key: it was changed after the backup wrote it',
  };
  return `${why[authenticity]}; pass --force to restore it anyway`;
}

/** Why this backup is not of this cluster (primary set, node addresses), or null when it is. */
export function otherCluster(manifest: Manifest, cluster: Manifest['cluster']): string | null {
  if (manifest.cluster.primarySet !== cluster.primarySet) return `it is of primary set "${manifest.cluster.primarySet}", this cluster's is "${cluster.primarySet}"`;
  const ips = (c: Manifest['cluster']) => c.nodes.map((n) => n.privateIp).sort().join(', ');
  if (ips(manifest.cluster) !== ips(cluster)) return `its nodes are ${ips(manifest.cluster)}, this cluster's are ${ips(cluster)}`;
  return null;
}

/**
 * The archive: manifest first, its HMAC under `key`, then the files it lists. Refuses to write one
 * that holds the password (or the key).
 */
export function buildArchive(
  meta: Omit<Manifest, 'format' | 'files' | 'passwords'>, files: { path: string; content: Buffer }[], password: string, key: Buffer,
): { archive: Buffer; manifest: Manifest } {
  const manifest: Manifest = {
    format: FORMAT, ...meta,
    passwords: `left out: requirepass, masterauth (primaryauth), sentinel auth-pass, sentinel sentinel-pass and user lines read "${LEFT_OUT}"; restore never writes configuration`,
    files: files.map((f) => ({ path: f.path, sha256: sha256(f.content), bytes: f.content.length })),
  };
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  const signature = Buffer.from(`${JSON.stringify(sign(manifestBytes, key))}\n`);
  const all = [{ path: 'manifest.json', content: manifestBytes }, { path: HMAC_MEMBER, content: signature }, ...files];
  for (const f of all) {
    if (password !== '' && f.content.includes(Buffer.from(password))) throw new Error(`the password appears in ${f.path}: no archive written`);
    if (f.content.includes(key) || f.content.includes(Buffer.from(key.toString('hex')))) throw new Error(`the backup key appears in ${f.path}: no archive written`);
  }
  return { archive: writeTar(all), manifest };
}
