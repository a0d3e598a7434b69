/**
 * What a node sends back is data, and bounded: a batch's output past this limit ends the batch
 * with a clear error instead of growing the controller's memory without end (a file that grows
 * while read, a link to /dev/zero). The largest honest answer is a backup's RDB as base64.
 */
export const MAX_NODE_OUTPUT_BYTES = 64 * 1024 * 1024;

/** The chunks of one stream, kept until their total passes `limit`; then nothing more is kept. */
export class BoundedOutput {
  private readonly chunks: Buffer[] = [];
  private total = 0;

  constructor(readonly limit = MAX_NODE_OUTPUT_BYTES) {}

  /** Keeps the chunk; false (and keeps nothing more) once the output passed the limit. */
  push(chunk: Buffer): boolean {
    this.total += chunk.length;
    if (this.exceeded) return false;
    this.chunks.push(chunk);
    return true;
  }

  get exceeded(): boolean {
    return this.total > this.limit;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** The error's words, for the node and the limit. */
export function outputTooLarge(node: string, limit: number): string {
  return `${node}: a remote command sent more than ${Math.round(limit / 1024 / 1024)} MiB of output; it was stopped ` +
    '(what a node answers is bounded: is a file it reads growing, or a link to a device?)';
}
