/**
 * The auxiliary fields at the head of a Redis RDB file ("REDIS0011", then `0xFA key value` pairs:
 * redis-ver, ctime, repl-id, repl-offset, ...). They say when the file was written and how far into
 * its replication history, which is what a cold start compares. Only the head is needed: the fields
 * come before the first database.
 */

const AUX = 0xfa;

/** A length-encoded string or integer at `at`; null when the buffer ends first or the encoding is not one of these. */
function readString(buf: Buffer, at: number): { value: string; next: number } | null {
  if (at >= buf.length) return null;
  const first = buf[at]!;
  const type = first >> 6;
  if (type === 3) {
    const kind = first & 0x3f;
    const size = [1, 2, 4][kind];
    if (size === undefined || at + 1 + size > buf.length) return null; // 3 = LZF: never used for these fields
    const value = size === 1 ? buf.readInt8(at + 1) : size === 2 ? buf.readInt16LE(at + 1) : buf.readInt32LE(at + 1);
    return { value: String(value), next: at + 1 + size };
  }
  let length: number;
  let start: number;
  if (type === 0) [length, start] = [first & 0x3f, at + 1];
  else if (type === 1) {
    if (at + 2 > buf.length) return null;
    [length, start] = [((first & 0x3f) << 8) | buf[at + 1]!, at + 2];
  } else if (first === 0x80) {
    if (at + 5 > buf.length) return null;
    [length, start] = [buf.readUInt32BE(at + 1), at + 5];
  } else return null;
  if (start + length > buf.length) return null;
  return { value: buf.subarray(start, start + length).toString('latin1'), next: start + length };
}

/** The aux fields of an RDB file's head; null when it is not an RDB file. */
export function parseRdbAux(head: Buffer): Record<string, string> | null {
  if (head.length < 9 || head.subarray(0, 5).toString('latin1') !== 'REDIS' || !/^\d{4}$/.test(head.subarray(5, 9).toString('latin1'))) return null;
  const fields: Record<string, string> = {};
  let at = 9;
  while (at < head.length && head[at] === AUX) {
    const key = readString(head, at + 1);
    const value = key && readString(head, key.next);
    if (!key || !value) break;
    fields[key.value] = value.value;
    at = value.next;
  }
  return fields;
}
