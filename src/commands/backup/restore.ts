/**
 * `hsts-cluster restore FILE`: puts a backup's dataset back into the running cluster. The primary's
 * current dataset is saved first (in memory and root-only in the run's directory on the primary);
 * the backup is loaded into the primary, whose replicas receive it through replication. A failure
 * or Ctrl-C after the primary was flushed loads the saved dataset back. Configuration is not
 * written: the backup's files are for reading (their passwords were left out).
 */
import { parseInfoFields } from '../../hsts/redis-info.js';
import { HSTS } from '../../hsts/paths.js';
import type { ClusterNode, Inventory } from '../../inventory/load.js';
import type { RemoteCommand } from '../../ssh/remote-script.js';
import { inStateDir } from '../../remote/state-dir.js';
import { shq } from '../../ssh/shell.js';
import { authenticityRefusal, checkAuthenticity, type Authenticity, type Manifest, type OpenedArchive } from './archive.js';
import { bgsaveAndRead, loadDataset, readFileBase64 } from './remote.js';
import { BGSAVE_TIMEOUT_MS } from './procedure.js';
import { keyBytes, parseBackupKey, readBackupKey } from './key.js';
import { runOnCluster, type ClusterAccess } from './run.js';
import type { ProcedureOptions } from '../../runner/engine/procedure-run.js';
import { rdbPath } from '../../runner/redis-data.js';
import type { RunResult } from '../../runner/result.js';

const LOAD_TIMEOUT_MS = 600_000;
const SYNC_TIMEOUT_MS = 120_000;

export interface BackupRestoreOptions extends ProcedureOptions {
  manifest: Manifest;
  rdb: Buffer;
  /** The archive's members and HMAC, checked with the nodes' backup key before anything is loaded. */
  signed: Pick<OpenedArchive, 'files' | 'signature'>;
  /** Restore an archive whose HMAC does not check with this cluster's key. */
  force: boolean;
}

export interface RestoreResult extends RunResult {
  primary?: string;
  /** What the nodes' backup key says of the archive (archive.ts checkAuthenticity). */
  authenticity?: Authenticity;
  /** Keys per database in the primary after the restore ("0:12"). */
  restored?: string;
  steps: string[];
}

export function runRestore(inventory: Inventory, options: BackupRestoreOptions): Promise<RestoreResult> {
  const report: Omit<RestoreResult, keyof RunResult> = { steps: [] };
  return runOnCluster('restore', inventory, options, report, (access) => restore(access, options, report));
}

async function restore(access: ClusterAccess, options: BackupRestoreOptions, report: Omit<RestoreResult, keyof RunResult>): Promise<void> {
  const primary = await access.primary();
  if (!primary) return;
  const replicas = access.run.inventory.nodes.filter((n) => n !== primary);
  const runDir = `${HSTS.stateDir}/runs/${access.run.id}`;
  report.steps = [
    `${primary.name}: BGSAVE and keep its current dataset (${runDir}/redis-before-restore.rdb, root only), for a rollback`,
    `${primary.name}: FLUSHALL, then copy every key of the backup (${options.manifest.createdAt}, primary ${options.manifest.primary}) into it from a private Redis`,
    `wait until ${replicas.map((n) => n.name).join(', ')} hold the same keys (at most ${SYNC_TIMEOUT_MS / 1000} s)`,
  ];
  const authenticity = await archiveAuthenticity(access, options.signed);
  if (!authenticity) return;
  report.authenticity = authenticity;
  const refusal = authenticityRefusal(authenticity, options.force);
  if (refusal) {
    access.refuse(refusal);
    return;
  }
  if (authenticity !== 'verified') access.run.warnings.push(`restoring an archive this cluster's backup key does not verify (--force): ${authenticity}`);
  if (options.mode === 'plan') return;
  const recap = access.run.recap(primary.name);
  let before: Buffer;
  try {
    const conf = Buffer.from((await access.must(primary, readFileBase64(HSTS.redisConf))).trim(), 'base64').toString('utf8');
    const b64 = await access.must(primary, bgsaveAndRead(access.redis(primary), rdbPath(conf), BGSAVE_TIMEOUT_MS, access.cluster.nodedUser), BGSAVE_TIMEOUT_MS + 60_000);
    before = Buffer.from(b64.trim().split('\n').at(-1) ?? '', 'base64');
    await access.must(primary, keepPrivately(`${runDir}/redis-before-restore.rdb`, before));
    access.journal('current dataset kept', { node: primary.name, bytes: before.length });
  } catch (e) {
    access.fail(primary, `${(e as Error).message}; nothing was changed`);
    return;
  }
  if (access.aborted) {
    access.run.errors.push('interrupted (Ctrl-C) before any change; nothing was changed');
    return;
  }
  try {
    const out = await access.must(primary, inStateDir(loadDataset(access.redis(primary), options.rdb, LOAD_TIMEOUT_MS, access.cluster.nodedUser)), LOAD_TIMEOUT_MS + 60_000);
    report.restored = /restored: (.*)/.exec(out)?.[1]?.trim() ?? '';
    access.journal('backup loaded', { node: primary.name, keys: report.restored });
    if (access.aborted) throw new Error('interrupted (Ctrl-C)');
    await replicasFollow(access, primary, replicas);
    access.run.nodeChanged(primary.name);
    recap.changes.push({ step: 'restore', summary: `dataset of the backup of ${options.manifest.createdAt} (${report.restored})` });
  } catch (e) {
    access.run.errors.push((e as Error).message);
    await rollBack(access, primary, before, (e as Error).message.replace(`${primary.name}: `, ''));
  }
}

/**
 * The archive checked with every key the nodes hold (they hold one; a node with another does not
 * make a genuine archive fail); null when a node's key could not be read (the run's error).
 */
async function archiveAuthenticity(access: ClusterAccess, signed: BackupRestoreOptions['signed']): Promise<Authenticity | null> {
  const keys: Buffer[] = [];
  for (const node of access.run.inventory.nodes) {
    try {
      const key = parseBackupKey(await access.must(node, readBackupKey()));
      if (key instanceof Error) throw new Error(`${node.name}: ${key.message}`);
      if (key) keys.push(keyBytes(key));
    } catch (e) {
      access.refuse(`cannot read the backup key to check the archive: ${(e as Error).message}`);
      return null;
    }
  }
  const verdicts = keys.length === 0 ? [checkAuthenticity(signed, null)] : keys.map((key) => checkAuthenticity(signed, key));
  const order: Authenticity[] = ['verified', 'forged', 'other-key', 'unsigned', 'no-key'];
  return order.find((a) => verdicts.includes(a))!;
}

/** Every replica linked, at the primary's offset, with the primary's key count. */
async function replicasFollow(access: ClusterAccess, primary: ClusterNode, replicas: ClusterNode[]): Promise<void> {
  const state = async (node: ClusterNode) => {
    const info = await access.replication(node);
    const k = await access.askRedis(node, ['INFO', 'keyspace']);
    const keys = Object.entries(parseInfoFields(k.output)).filter(([f]) => /^db\d+$/.test(f)).map(([f, v]) => `${f}:${v.split(',')[0]}`).join(' ');
    return { info, keys };
  };
  const look = async () => {
    const [p, ...rs] = await Promise.all([state(primary), ...replicas.map(state)]);
    return replicas.flatMap((node, i) => {
      const r = rs[i]!;
      if (!(r.info?.role === 'slave' && r.info.linkUp)) return [`${node.name}: link to ${primary.name} not up`];
      if (r.info.offset < (p.info?.offset ?? 0) || r.keys !== p.keys) return [`${node.name}: ${r.keys || 'no keys'}, ${primary.name}: ${p.keys || 'no keys'}`];
      return [];
    });
  };
  // Ctrl-C ends the wait at once (it throws): the caller then loads the dataset the primary had back.
  const synced = await access.until(look, (problems) => problems.length === 0, { timeoutMs: SYNC_TIMEOUT_MS, intervalMs: 500 });
  if (!synced.ok) throw new Error(`the replicas did not follow within ${SYNC_TIMEOUT_MS / 1000} s: ${synced.value.join('; ')}`);
}

async function rollBack(access: ClusterAccess, primary: ClusterNode, before: Buffer, cause: string): Promise<void> {
  access.run.emit({ event: 'rollback-start', nodes: [primary.name] });
  const r = await access.sh(primary, inStateDir(loadDataset(access.redis(primary), before, LOAD_TIMEOUT_MS, access.cluster.nodedUser)), LOAD_TIMEOUT_MS + 60_000);
  if (r.ok) {
    access.run.nodeRolledBack(primary.name, `restore failed (${cause}); the dataset it had before was loaded back`);
    access.journal('rolled back', { node: primary.name });
  } else {
    access.run.nodeRollbackFailed(primary.name,
      `restore failed (${cause}) and the dataset it had before could not be loaded back (${r.output.trim().split('\n').at(-1)}); it is kept in ${HSTS.stateDir}/runs/${access.run.id}/redis-before-restore.rdb`);
  }
}

function keepPrivately(path: string, content: Buffer): RemoteCommand {
  const dir = path.slice(0, path.lastIndexOf('/'));
  return inStateDir({
    label: `keep the current dataset in ${path}`,
    code: `{ [ -d ${shq(dir)} ] && [ ! -L ${shq(dir)} ] || mkdir -m 0700 -- ${shq(dir)}; } && install -m 600 -o root -g root "$IN/rdb" ${shq(path)}`,
    inputs: { rdb: content },
  });
}
