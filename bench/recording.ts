import { appendFileSync } from 'node:fs';
import type { Inventory } from '../src/inventory/load.js';
import { NodeConnection } from '../src/ssh/connection.js';
import { batchStdin } from '../src/ssh/remote-script.js';
import { observeBatches, type BatchEvent } from '../src/ssh/session.js';

/**
 * The benchmark's recording of a run, for the floor (the same remote commands replayed with no tool
 * logic). hsts-cluster itself writes nothing: the recorder observes the SSH layer's batches and
 * writes them with every secret of the inventory replaced by a placeholder; the replay puts the
 * values back, in memory, from the same inventory.
 */
export interface RecordedBatch {
  node: string;
  wave: string;
  command: string;
  /** Placeholder name of the sudo password sent first on stdin, or null. */
  sudo: string | null;
  /** Each input, secrets replaced, base64. */
  inputs: string[];
}

/** The inventory's secrets by placeholder name: the Redis password and each node's sudo password. */
export function inventorySecrets(inventory: Inventory): Map<string, string> {
  const secrets = new Map<string, string>([['redis-password', inventory.cluster.redisPassword.reveal()]]);
  for (const node of inventory.nodes) {
    const sudo = node.ssh.sudoPassword?.reveal();
    if (sudo) secrets.set(`sudo:${node.name}`, sudo);
  }
  return secrets;
}

/**
 * The byte strings a secret shows up as in an input: itself, and inside base64 (a snapshot holds
 * files as base64) the characters that depend on it alone, for each of the three alignments.
 */
function appearances(name: string, value: string): { placeholder: Buffer; bytes: Buffer }[] {
  const raw = Buffer.from(value);
  const out = [{ placeholder: Buffer.from(`@@hsts-cluster-secret:${name}@@`), bytes: raw }];
  for (const shift of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(shift), raw]).toString('base64');
    const core = encoded.slice([0, 2, 3][shift], 4 * Math.floor((shift + raw.length) / 3));
    if (core.length >= 8) out.push({ placeholder: Buffer.from(`@@hsts-cluster-secret:${name}:base64-${shift}@@`), bytes: Buffer.from(core) });
  }
  return out;
}

function replaceAll(buffer: Buffer, find: Buffer, by: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (let i = buffer.indexOf(find); i !== -1; i = buffer.indexOf(find, at)) {
    parts.push(buffer.subarray(at, i), by);
    at = i + find.length;
  }
  return at === 0 ? buffer : Buffer.concat([...parts, buffer.subarray(at)]);
}

export function redactInput(input: Buffer, secrets: Map<string, string>): Buffer {
  let out = input;
  for (const [name, value] of secrets) {
    for (const a of appearances(name, value)) out = replaceAll(out, a.bytes, a.placeholder);
  }
  for (const [name, value] of secrets) {
    if (appearances(name, value).some((a) => out.includes(a.bytes))) throw new Error(`recording: secret ${name} left in an input`);
  }
  return out;
}

export function unredactInput(input: Buffer, secrets: Map<string, string>): Buffer {
  let out = input;
  for (const [name, value] of secrets) {
    for (const a of appearances(name, value)) out = replaceAll(out, a.placeholder, a.bytes);
  }
  if (out.includes('@@hsts-cluster-secret:')) throw new Error('replay: a placeholder names a secret the inventory does not have');
  return out;
}

export function toRecord(event: BatchEvent, secrets: Map<string, string>): RecordedBatch {
  const sudo = event.sudoPassword ? [...secrets].find(([, v]) => v === event.sudoPassword!.reveal())?.[0] : null;
  if (sudo === undefined) throw new Error(`recording: ${event.node}'s sudo password is not the inventory's`);
  return {
    node: event.node, wave: event.wave, command: event.command, sudo,
    inputs: event.inputs.map((i) => redactInput(i, secrets).toString('base64')),
  };
}

/** The stdin a recorded batch was sent with, secrets put back. */
export function replayStdin(record: RecordedBatch, secrets: Map<string, string>): Buffer {
  const prefix = record.sudo ? Buffer.from(`${secrets.get(record.sudo)}\n`) : Buffer.alloc(0);
  return Buffer.concat([prefix, batchStdin(record.inputs.map((i) => unredactInput(Buffer.from(i, 'base64'), secrets)))]);
}

/**
 * A batch with its place in the run: `sent` and `done` number the moments it was sent and its answer
 * came back, on one counter for the whole run. A batch sent after another's answer may depend on it;
 * one sent before could not (the floor keeps exactly these dependencies).
 */
export type TimedBatch = RecordedBatch & { sent: number; done: number };

/**
 * Records every batch this process sends into `file`, one JSON line each when its answer is back
 * (secrets replaced). The session calls the connection's exec right after telling observers about the
 * batch, in the same tick: the wrapped exec thereby knows which batch it carries. Returns the undo.
 */
export function recordBatches(file: string, secrets: Map<string, string>): () => void {
  let counter = 0;
  let justSent: { node: string; command: string; record: TimedBatch } | null = null;
  const stopObserving = observeBatches((event) => {
    justSent = { node: event.node, command: event.command, record: { ...toRecord(event, secrets), sent: counter++, done: -1 } };
  });
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back as is, and called with its own `this`
  const exec = NodeConnection.prototype.exec;
  NodeConnection.prototype.exec = function recordedExec(this: NodeConnection, command: string, stdin: Buffer, timeoutMs: number) {
    const batch = justSent && justSent.node === this.nodeName && justSent.command === command ? justSent.record : null;
    justSent = null;
    const answer = exec.call(this, command, stdin, timeoutMs);
    if (batch) {
      const write = () => {
        batch.done = counter++;
        appendFileSync(file, `${JSON.stringify(batch)}\n`, { mode: 0o600 });
      };
      answer.then(write, write);
    }
    return answer;
  };
  return () => {
    stopObserving();
    NodeConnection.prototype.exec = exec;
  };
}
