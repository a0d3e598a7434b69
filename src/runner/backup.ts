/**
 * `hsts-cluster backup --out FILE`: the primary's dataset (BGSAVE, waited for), each node's
 * configuration hsts-cluster manages (passwords left out) and a manifest, in one archive written 0600.
 * Read-only on the nodes apart from the BGSAVE and the run lock.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { HSTS } from '../hsts/paths.js';
import { parseInfoFields } from '../hsts/redis-info.js';
import type { ClusterNode, Inventory } from '../inventory/load.js';
import { asredis } from '../remote/redis-cli.js';
import { buildArchive, redactConf } from './backup-archive.js';
import { bgsaveAndRead, readFileBase64 } from './backup-commands.js';
import { runOnCluster, type BackupRunOptions, type ClusterAccess } from './backup-run.js';
import { rdbPath } from './redis-data.js';
import type { RunResult } from './result.js';

/** The files of a node that hsts-cluster manages, as the archive names them. */
export const MANAGED_FILES = [HSTS.redisConf, HSTS.sentinelConf, HSTS.asperaConf] as const;
export const BGSAVE_TIMEOUT_MS = 300_000;

export interface BackupOptions extends BackupRunOptions {
  out: string;
  version: string;
}

export interface BackupResult extends RunResult {
  out?: string;
  bytes?: number;
  manifest?: { primary: string; redisVersion: string; files: { path: string; sha256: string; bytes: number }[] };
  steps: string[];
}

export function runBackup(inventory: Inventory, options: BackupOptions): Promise<BackupResult> {
  const report: Omit<BackupResult, keyof RunResult> = { steps: [] };
  return runOnCluster('backup', inventory, options, report, (access) => backup(access, options, report));
}

async function backup(access: ClusterAccess, options: BackupOptions, report: Omit<BackupResult, keyof RunResult>): Promise<void> {
  const primary = await access.primary();
  if (!primary) return;
  const nodes = access.run.inventory.nodes;
  report.steps = [
    `${primary.name}: BGSAVE, wait until it ended (at most ${BGSAVE_TIMEOUT_MS / 1000} s), read its RDB file`,
    `read ${MANAGED_FILES.join(', ')} on ${nodes.map((n) => n.name).join(', ')} (password directives left out)`,
    `write ${options.out} (mode 0600): manifest.json, redis.rdb, nodes/NAME/...`,
  ];
  if (options.mode === 'plan') return;
  try {
    const files = await Promise.all(nodes.map((node) => nodeFiles(access, node)));
    const conf = files[nodes.indexOf(primary)]!.find((f) => f.path.endsWith('aspera_31415.conf'))!;
    const version = parseInfoFields(await access.must(primary, asredis(access.redis(primary), ['INFO', 'server']))).redis_version ?? 'unknown';
    const b64 = await access.must(primary, bgsaveAndRead(access.redis(primary), rdbPath(conf.raw), BGSAVE_TIMEOUT_MS), BGSAVE_TIMEOUT_MS + 60_000);
    const rdb = Buffer.from(b64.trim().split('\n').at(-1) ?? '', 'base64');
    access.journal('dataset saved', { node: primary.name, bytes: rdb.length });
    if (access.aborted) throw new Error('interrupted (Ctrl-C): no archive written');
    const { archive, manifest } = buildArchive({
      cluster: { primarySet: access.cluster.primarySet, nodes: nodes.map((n) => ({ name: n.name, privateIp: n.privateIp })) },
      createdAt: new Date().toISOString(), tool: `hsts-cluster ${options.version}`, redisVersion: version, primary: primary.name,
    }, [{ path: 'redis.rdb', content: rdb }, ...files.flat().map((f) => ({ path: f.path, content: f.content }))], access.cluster.redisPassword.reveal());
    writePrivate(options.out, archive);
    Object.assign(report, { out: options.out, bytes: archive.length, manifest: { primary: primary.name, redisVersion: version, files: manifest.files } });
    access.journal('archive written', { out: options.out, bytes: archive.length });
  } catch (e) {
    access.run.errors.push((e as Error).message);
    access.run.recap(primary.name).status = 'failed';
  }
}

/** A node's managed files, password directives left out; `raw` only for the controller (never written). */
async function nodeFiles(access: ClusterAccess, node: ClusterNode): Promise<{ path: string; content: Buffer; raw: string }[]> {
  const out: { path: string; content: Buffer; raw: string }[] = [];
  for (const path of MANAGED_FILES) {
    const raw = Buffer.from((await access.must(node, readFileBase64(path))).trim(), 'base64').toString('utf8');
    if (raw !== '') out.push({ path: `nodes/${node.name}${path}`, content: Buffer.from(redactConf(raw)), raw });
  }
  return out;
}

/** Written beside its destination with mode 0600, then renamed over it: never a partial or readable archive. */
function writePrivate(path: string, content: Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
