#!/usr/bin/env node
/**
 * node dist/bench/farm/record.js RECORDING MODE hsts-cluster-arguments... -i INVENTORY
 *
 * Runs the hsts-cluster CLI in this process against real (rig) nodes and adds what every node was
 * asked and answered, command by command, to RECORDING under MODE ("cold" or "noop"), for the farm
 * (bench/farm/farm.ts) to answer from. Addresses become tokens and the Redis password a placeholder
 * (bench/farm/tokens.ts, bench/recording.ts); nothing secret is written.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadInventory } from '../../src/inventory/load.js';
import { NodeConnection } from '../../src/ssh/connection.js';
import { inventorySecrets, redactInput } from '../recording.js';
import { parseBatchCommand, parseFrames } from './script.js';
import { tokenise, type NodeView } from './tokens.js';
import { PASSWORD_DIGEST, type Recording, type RecordedCommand } from './recording-file.js';

const [file, mode, ...args] = process.argv.slice(2);
const inventoryPath = args[args.indexOf('-i') + 1];
if (!file || (mode !== 'cold' && mode !== 'noop') || args.indexOf('-i') < 0 || !inventoryPath) {
  process.stderr.write('usage: record.js RECORDING cold|noop hsts-cluster-arguments... -i INVENTORY\n');
  process.exit(2);
}
const inventory = loadInventory(inventoryPath);
const secrets = inventorySecrets(inventory);
const ips = inventory.nodes.map((n) => n.privateIp);
const primary = inventory.nodes.findIndex((n) => n.role === 'primary');
// Sentinel writes `user default on #SHA256(password)` into its file: that digest is a placeholder too.
const passwordDigest = createHash('sha256').update(inventory.cluster.redisPassword.reveal()).digest('hex');
const redact = (text: string) => redactInput(Buffer.from(text.split(passwordDigest).join(PASSWORD_DIGEST)), secrets).toString();

const recording: Recording = existsSync(file)
  ? JSON.parse(readFileSync(file, 'utf8')) as Recording
  : { recordedFrom: { nodes: ips.length, primary, cluster: clusterSettings() }, modes: {} };

/** The inventory's cluster settings without the password; quorum as the rig's majority. */
function clusterSettings(): Record<string, unknown> {
  const raw = JSON.parse(readFileSync(inventoryPath!, 'utf8')) as { cluster: Record<string, unknown> };
  const { redisPassword: _password, ...cluster } = raw.cluster;
  return { ...cluster, quorum: cluster.quorum ?? Math.floor(ips.length / 2) + 1 };
}
const byNode: RecordedCommand[][][] = inventory.nodes.map(() => []);

/**
 * A file probe answers "owner group mode[ links size]\nBASE64" (remote/safe-files.ts safeReadCode,
 * or the older `base64 -w0 "$f"`): kept as text so that its addresses can be tokens.
 */
const isFileProbe = (code: string) => code.includes('base64 -w0 "$f"') || (code.includes('__open "$f"') && code.includes('echo "$m"'));
function answerText(code: string, output: string): { output: string; file?: true } {
  if (!isFileProbe(code) || output.trim() === 'ABSENT' || output.startsWith('REFUSED ')) return { output };
  const [meta = '', b64 = ''] = output.split('\n');
  const bytes = Buffer.from(b64.trim(), 'base64');
  const text = bytes.toString('utf8');
  // Binary files (askmscli's keystores) stay base64: they hold no address.
  if (!Buffer.from(text, 'utf8').equals(bytes)) return { output };
  return { output: `${meta}\n${text}`, file: true };
}

// eslint-disable-next-line @typescript-eslint/unbound-method -- called with its own `this`
const exec = NodeConnection.prototype.exec;
NodeConnection.prototype.exec = async function recordingExec(this: NodeConnection, command: string, stdin: Buffer, timeoutMs: number) {
  const result = await exec.call(this, command, stdin, timeoutMs);
  const parsed = parseBatchCommand(command);
  const index = inventory.nodes.findIndex((n) => n.name === this.nodeName);
  if (parsed && index >= 0) {
    const view: NodeView = { ips, self: index, primary };
    const frames = parseFrames(result.stdout);
    byNode[index]!.push(parsed.codes.map((code, i) => {
      const answer = frames.get(i);
      const text = answer ? answerText(code, answer.output) : null;
      return {
        code: tokenise(redact(code), view),
        ...(answer && text ? { exitCode: answer.exitCode, ms: answer.ms, output: tokenise(redact(text.output), view), ...(text.file ? { file: true as const } : {}) } : {}),
      };
    }));
  }
  return result;
};

process.on('exit', () => {
  recording.modes[mode] = byNode.map((batches, i) => ({ node: i, batches }));
  writeFileSync(file, `${JSON.stringify(recording, null, 1)}\n`);
});
process.argv = [process.argv[0]!, process.argv[1]!, ...args];
await import('../../src/cli/main.js');
