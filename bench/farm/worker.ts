#!/usr/bin/env node
/**
 * One process of the simulated farm (bench/farm/farm.ts starts a few, so that answering costs CPU
 * in them, not in the controller measured). Gets its part of the farm over IPC (the password too:
 * never argv), listens with ssh2's own Server on 127.0.0.1, one port per node, and answers every
 * batch from the recording (answer.ts) after the per-command delay.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { createHash, timingSafeEqual } from 'node:crypto';
import ssh2 from 'ssh2';
import { answerTable, FarmNode, type AnswerTable } from './answer.js';
import { farmRoles, type Recording } from './recording-file.js';
import { frame, parseBatchCommand } from './script.js';

export interface WorkerSetup {
  recordingPath: string;
  mode: 'cold' | 'noop';
  /** Every node's private IP; this worker serves the nodes numbered in `serve` (0-based). */
  ips: string[];
  primary: number;
  serve: number[];
  hostKeyPem: string;
  clientPublicKey: string;
  password: string;
  commandDelayMs: number;
}

/** What this worker's nodes were asked, sent to the farm when it asks (farm.ts report()). */
export interface WorkerReport { asked: string[]; unanswered: string[] }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** What every node of this worker was asked; a command line that was no batch is unanswered too. */
const seen = { asked: new Set<string>(), unanswered: new Set<string>() };
const report = (): WorkerReport => ({ asked: [...seen.asked], unanswered: [...seen.unanswered] });

function start(setup: WorkerSetup): Promise<number[]> {
  const recording = JSON.parse(readFileSync(setup.recordingPath, 'utf8')) as Recording;
  const recordedNodes = recording.modes[setup.mode];
  if (!recordedNodes) throw new Error(`the recording has no ${setup.mode} run`);
  const roles = farmRoles(recording, recordedNodes);
  const recPrimary = roles.primary.node;
  const recReplica = roles.replica.node;
  const tables = new Map<number, AnswerTable>([roles.primary, roles.replica].map((n) => [n.node, answerTable(n)]));
  const ipIndex = new Map(setup.ips.map((ip, i) => [ip, i]));
  const secrets = new Map([['redis-password', setup.password]]);
  const passwordDigest = createHash('sha256').update(setup.password).digest('hex');
  const allowed = ssh2.utils.parseKey(setup.clientPublicKey);
  if (allowed instanceof Error) throw allowed;
  const allowedKey = allowed.getPublicSSH();

  return Promise.all(setup.serve.map((index) => new Promise<number>((resolve) => {
    const recSelf = index === setup.primary ? recPrimary : recReplica;
    const node = new FarmNode({
      table: tables.get(recSelf)!,
      recorded: { nodes: recording.recordedFrom.nodes, self: recSelf, primary: recPrimary },
      view: { ips: setup.ips, self: index, primary: setup.primary },
      ipIndex, secrets, passwordDigest, seen,
    });
    const debugFile = process.env.HSTS_FARM_DEBUG && index === 0 ? process.env.HSTS_FARM_DEBUG : null;
    const server = new ssh2.Server({ hostKeys: [setup.hostKeyPem], ...(debugFile ? { debug: (m: string) => appendFileSync(debugFile, `${Date.now()} ${m}\n`) } : {}) }, (client) => {
      client.on('authentication', (ctx) => {
        if (ctx.method !== 'publickey' || ctx.key.data.length !== allowedKey.length || !timingSafeEqual(ctx.key.data, allowedKey)) return ctx.reject(['publickey']);
        if (!ctx.signature) return ctx.accept();
        return allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject(['publickey']);
      });
      client.on('session', (accept) => {
        accept().on('exec', (acceptExec, _reject, info) => {
          const channel = acceptExec();
          channel.on('data', () => {}); // the batch's stdin: inputs the farm does not need
          channel.on('error', () => {});
          void (async () => {
            const batch = parseBatchCommand(info.command);
            if (!batch) {
              seen.unanswered.add(`not an hsts-cluster batch: ${info.command.slice(0, 200)}`);
              channel.stderr.write('farm: not an hsts-cluster batch\n');
              channel.exit(127);
              channel.end();
              return;
            }
            const stdout: Buffer[] = [];
            let waited = 0;
            for (const [i, code] of batch.codes.entries()) {
              const t0 = Date.now();
              const answer = node.answer(code);
              if (debugFile && Date.now() - t0 > 100) appendFileSync(debugFile, `${Date.now()} SLOW ANSWER ${Date.now() - t0} ms: ${code.slice(0, 120)}\n`);
              if (batch.mode !== 'parallel') waited += setup.commandDelayMs;
              stdout.push(frame(i, answer));
              if (answer.exitCode !== 0 && batch.mode === 'stop-on-error') break;
            }
            await sleep(batch.mode === 'parallel' ? setup.commandDelayMs : waited);
            channel.write(Buffer.concat(stdout));
            channel.exit(0);
            channel.end();
          })();
        });
      });
      client.on('error', () => {});
    });
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  })));
}

process.once('message', (setup: WorkerSetup) => {
  start(setup).then(
    (ports) => {
      process.send!({ ports });
      process.on('message', (m: { report?: true }) => { if (m.report) process.send!({ report: report() }); });
    },
    (e: unknown) => { process.send!({ error: (e as Error).message }); process.exit(1); },
  );
});
process.on('disconnect', () => process.exit(0));
