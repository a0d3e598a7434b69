import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';

/** Shorter than this, text or bytes are kept as they are: deflating them would save next to nothing. */
export const PACK_FROM = 1024;

/**
 * The bytes in memory of their own: a copy when they are a view of a larger block (Node's 8 KB pool
 * behind a small Buffer.from or concat, zlib's 16 KB chunk), which the view would keep alive whole.
 */
export function ownBytes(bytes: Buffer): Buffer {
  if (bytes.byteLength === bytes.buffer.byteLength) return bytes;
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return Buffer.from(copy.buffer);
}

/**
 * Deflated bytes, in memory of their own. The fastest level: zlib's default took twice the CPU
 * (2.5 s of samples in a 501-node cold up) to save a tenth more. zlib's result is a view of a 16 KB
 * chunk (2,004 such chunks, 32 MB, stayed alive in a 501-node cold up for data that packs to a
 * kilobyte or two), and Buffer.from(buffer) would copy a small one into a shared 8 KB pool block,
 * kept alive as well: hence a copy of its own.
 */
function deflated(data: string | Buffer): Buffer {
  return ownBytes(deflateRawSync(data, { level: constants.Z_BEST_SPEED }));
}

// Each reader is made by a function of its own: closures made in one function share its scope, so
// a reader that held the packed bytes would keep the unpacked value alive as well.
const asIs = <T>(value: T) => () => value;
const inflatedText = (packed: Buffer) => () => inflateRawSync(packed).toString('utf8');
const inflatedBytes = (packed: Buffer) => () => inflateRawSync(packed);

/** A reader of `text`, held deflated when long: each read inflates it again. */
export function packedText(text: string): () => string {
  return text.length < PACK_FROM ? asIs(text) : inflatedText(deflated(text));
}

/**
 * A reader of `bytes`, held deflated when long. A short Buffer is kept in memory of its own: it is
 * often a view of an 8 KB pool block (19 MB of such blocks in a 501-node cold up).
 */
export function packedBytes(bytes: Buffer): () => Buffer {
  return bytes.length >= PACK_FROM ? inflatedBytes(deflated(bytes)) : asIs(ownBytes(bytes));
}

/**
 * Adds `key` to `holder` (which must not have it yet: making a data property an accessor would turn
 * the object into a slow dictionary) as an enumerable property that reads as `read()` does: every
 * reader (JSON.stringify, spreads, Object.entries) sees a plain value.
 */
export function defineRead<T extends object>(holder: T, key: string, read: () => unknown): void {
  Object.defineProperty(holder, key, { enumerable: true, configurable: true, get: read });
}
