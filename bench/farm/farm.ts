/**
 * A simulated farm of N HSTS nodes on loopback for the benchmark (never a test of the product):
 * a few worker processes (worker.ts) each serve a share of the nodes with ssh2's Server, answering
 * from a recording of a real rig node. Writes beside it what the controller needs: a client key,
 * the farm's host key in a known_hosts (strict host key checking stays on), the password file and
 * an inventory. Private IPs are from 198.18.0.0/15 (RFC 2544, benchmarking): nothing connects to
 * them, they only appear in the files and answers.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Recording } from './recording-file.js';
import type { WorkerReport, WorkerSetup } from './worker.js';
import { generateUsableKeyPair } from '../../test/support/keys.js';

export interface Farm {
  dir: string;
  inventoryPath: string;
  /** The command keys the farm's nodes were asked so far, and those it had no answer for. */
  report(): Promise<WorkerReport>;
  close(): Promise<void>;
}

export interface FarmOptions {
  nodes: number;
  mode: 'cold' | 'noop';
  recordingPath: string;
  /** Added to every command's answer (a parallel batch: once). */
  commandDelayMs: number;
  workers: number;
}

export const farmIp = (i: number) => `198.18.${(i + 1) >> 8}.${(i + 1) & 255}`;

async function collectReports(workers: ChildProcess[]): Promise<WorkerReport> {
  const reports = await Promise.all(workers.map((w) => new Promise<WorkerReport>((res, rej) => {
    const onMessage = (m: { report?: WorkerReport }) => {
      if (!m.report) return;
      w.off('message', onMessage);
      res(m.report);
    };
    w.on('message', onMessage);
    w.once('exit', () => rej(new Error('farm worker exited before its report')));
    w.send({ report: true });
  })));
  return {
    asked: [...new Set(reports.flatMap((r) => r.asked))],
    unanswered: [...new Set(reports.flatMap((r) => r.unanswered))],
  };
}

export async function startFarm(o: FarmOptions): Promise<Farm> {
  const dir = mkdtempSync(join(tmpdir(), 'hsts-farm-'));
  const recording = JSON.parse(readFileSync(o.recordingPath, 'utf8')) as Recording;
  const host = generateUsableKeyPair();
  const client = generateUsableKeyPair();
  const password = randomBytes(18).toString('base64url');
  writeFileSync(join(dir, 'id_ed25519'), client.private, { mode: 0o600 });
  writeFileSync(join(dir, 'redis-password'), password, { mode: 0o600 });
  const ips = Array.from({ length: o.nodes }, (_, i) => farmIp(i));
  const workers: ChildProcess[] = [];
  const close = async () => {
    await Promise.all(workers.map((w) => new Promise<void>((r) => {
      if (w.exitCode !== null || w.signalCode !== null) return r();
      w.once('exit', () => r());
      w.kill();
    })));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const count = Math.max(1, Math.min(o.workers, o.nodes));
    const ports: number[] = new Array<number>(o.nodes);
    await Promise.all(Array.from({ length: count }, (_, w) => {
      const serve = ips.map((_, i) => i).filter((i) => i % count === w);
      // The worker's stdout goes to stderr: the benchmark's stdout is its --json result alone.
      const child = fork(resolve(import.meta.dirname, 'worker.js'), [], { stdio: ['ignore', 2, 2, 'ipc'] });
      workers.push(child);
      const setup: WorkerSetup = {
        recordingPath: o.recordingPath, mode: o.mode, ips, primary: 0, serve,
        hostKeyPem: host.private, clientPublicKey: client.public, password, commandDelayMs: o.commandDelayMs,
      };
      child.send(setup);
      return new Promise<void>((res, rej) => {
        child.once('message', (m: { ports?: number[]; error?: string }) => {
          if (!m.ports) return rej(new Error(`farm worker: ${m.error}`));
          m.ports.forEach((port, k) => { ports[serve[k]!] = port; });
          res();
        });
        child.once('exit', (code) => rej(new Error(`farm worker exited (${code})`)));
      });
    }));
    const hostKey = host.public.split(' ').slice(0, 2).join(' ');
    writeFileSync(join(dir, 'known_hosts'), ports.map((p) => `[127.0.0.1]:${p} ${hostKey}\n`).join(''));
    const inventory = {
      cluster: { ...recording.recordedFrom.cluster, redisPassword: { file: 'redis-password' } },
      ssh: { user: 'root', privateKey: 'id_ed25519', knownHosts: 'known_hosts', connectTimeoutMs: 60_000 },
      nodes: ips.map((ip, i) => ({ name: `node${i + 1}`, privateIp: ip, role: i === 0 ? 'primary' : 'replica', ssh: { host: '127.0.0.1', port: ports[i] } })),
    };
    const inventoryPath = join(dir, 'inventory.json');
    writeFileSync(inventoryPath, `${JSON.stringify(inventory, null, 2)}\n`);
    return { dir, inventoryPath, report: () => collectReports(workers), close };
  } catch (e) {
    await close();
    throw e;
  }
}
