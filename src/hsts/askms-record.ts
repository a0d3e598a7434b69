import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * What hsts-cluster knows of askmscli's stores without reading them: its own record, on the node
 * and root only, of the password it last handed to askmscli. A record holds a salted scrypt hash
 * (salt, hash, cost parameters), never the password; it is computed on the controller. One JSON
 * object per file:
 *   {"kdf":"scrypt","N":16384,"r":8,"p":1,"salt":"<base64>","hash":"<base64>"}
 */
export interface AskmsRecord {
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  hash: string;
}

/** 16 MiB and some tens of ms per hash: slow for a guesser, cheap for a handful of records per node. */
export const SCRYPT_COST = { N: 16384, r: 8, p: 1 } as const;
const HASH_BYTES = 32;

export type RecordState = 'absent' | 'matches' | 'differs';

// A run checks several records per node made with one salt (see newSalt's callers): hash once.
const memo = new Map<string, Buffer>();

function scrypt(password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Buffer {
  // In memory only, keyed by a digest: the password itself is kept nowhere new.
  const key = `${cost.N}:${cost.r}:${cost.p}:${salt.toString('base64')}:${createHash('sha256').update(password).digest('base64')}`;
  let hash = memo.get(key);
  if (!hash) {
    hash = scryptSync(password, salt, HASH_BYTES, { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r });
    memo.set(key, hash);
  }
  return hash;
}

export function newSalt(): Buffer {
  return randomBytes(16);
}

/** The record file's content for this password. */
export function renderRecord(password: string, salt: Buffer): string {
  const hash = scrypt(password, salt, SCRYPT_COST);
  const record: AskmsRecord = { kdf: 'scrypt', ...SCRYPT_COST, salt: salt.toString('base64'), hash: hash.toString('base64') };
  return `${JSON.stringify(record)}\n`;
}

function parseRecord(text: string): AskmsRecord | null {
  try {
    const r = JSON.parse(text) as Partial<AskmsRecord>;
    // Only the cost hsts-cluster writes: a damaged or planted record must not make the controller
    // allocate gigabytes; anything else is a record to write again.
    const costOk = r.N === SCRYPT_COST.N && r.r === SCRYPT_COST.r && r.p === SCRYPT_COST.p;
    if (r.kdf !== 'scrypt' || !costOk || typeof r.salt !== 'string' || typeof r.hash !== 'string') return null;
    return r as AskmsRecord;
  } catch {
    return null;
  }
}

/** Whether a record (the file's bytes, null when absent) was made with this password. */
export function recordState(content: Buffer | null, password: string): RecordState {
  if (content === null) return 'absent';
  const record = parseRecord(content.toString('utf8'));
  if (!record) return 'differs';
  const want = Buffer.from(record.hash, 'base64');
  const got = scrypt(password, Buffer.from(record.salt, 'base64'), record);
  return want.length === got.length && timingSafeEqual(want, got) ? 'matches' : 'differs';
}
