import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ArchiveError, openArchive, otherCluster } from './archive.js';
import { runBackup, type BackupResult } from './procedure.js';
import { runRestore, type RestoreResult } from './restore.js';
import { renderRecap } from '../../ui/render.js';
import { UsageError } from '../../util/errors.js';
import type { CommandContext, Outcome, OptionsOf } from '../../cli/command.js';
import type { ArchiveSummary, RestoreReport } from '../../cli/json-documents.js';
import { procedureOptions } from '../../cli/run-options.js';
import { VERSION } from '../../cli/version.js';
import type { backup as backupCommand } from './backup-cli.js';
import type { restore as restoreCommand } from './restore-cli.js';

export type BackupCliOptions = OptionsOf<typeof backupCommand>;

export type RestoreCliOptions = OptionsOf<typeof restoreCommand>;

const steps = (verb: string, list: string[]) => `${verb}:\n${list.map((s, i) => `  ${i + 1}. ${s}\n`).join('')}`;

export async function backup(ctx: CommandContext<BackupCliOptions>): Promise<Outcome> {
  const out = resolve(ctx.options.out);
  const result: BackupResult = await runBackup(ctx.inventory, { ...procedureOptions(ctx), out, version: VERSION });
  let stdout = '';
  if (result.exitCode === 0) {
    stdout = ctx.options.dryRun ? steps(`would back up the cluster from ${result.primary}`, result.steps)
      : `wrote ${result.out} (${result.bytes} bytes, mode 0600): the dataset of ${result.primary} and the configuration of ${ctx.inventory.nodes.length} nodes; passwords left out\n`;
  }
  return { exitCode: result.exitCode, json: result, stderr: renderRecap(result), stdout };
}

export async function restore(ctx: CommandContext<RestoreCliOptions>): Promise<Outcome> {
  const file = ctx.args[0]!;
  let opened: ReturnType<typeof openArchive>;
  try {
    opened = openArchive(readFileSync(file));
  } catch (e) {
    const unreadable = (e as NodeJS.ErrnoException).code !== undefined;
    if (!(e instanceof ArchiveError) && !unreadable) throw e;
    throw new UsageError([{ field: 'FILE', value: file, message: unreadable ? `cannot read it: ${(e as Error).message}` : (e as Error).message, hint: 'an archive written by hsts-cluster backup --out' }]);
  }
  const cluster = { primarySet: ctx.inventory.cluster.primarySet, nodes: ctx.inventory.nodes.map((n) => ({ name: n.name, privateIp: n.privateIp })) };
  const other = otherCluster(opened.manifest, cluster);
  if (other && !ctx.options.force) {
    throw new UsageError([{ field: 'FILE', value: file, message: `a backup of another cluster: ${other}`, hint: 'pass --force to restore it into this cluster anyway' }]);
  }
  if (other) ctx.log(`warning: restoring a backup of another cluster (--force): ${other}`);
  const { manifest } = opened;
  const archive: ArchiveSummary = { sha256: opened.sha256, primarySet: manifest.cluster.primarySet, nodes: manifest.cluster.nodes.map((n) => n.privateIp), createdAt: manifest.createdAt, format: manifest.format };
  // Shown before anything is loaded: what the operator is about to put into the cluster.
  ctx.log(`archive ${file}: sha256 ${archive.sha256}, primary set ${JSON.stringify(archive.primarySet)} (${archive.nodes.join(', ')}), made ${archive.createdAt}, ${archive.format}`);
  const result: RestoreResult = await runRestore(ctx.inventory, {
    ...procedureOptions(ctx), manifest, rdb: opened.files.get('redis.rdb')!, signed: opened, force: Boolean(ctx.options.force),
  });
  let stdout = '';
  if (result.exitCode === 0) {
    stdout = ctx.options.dryRun ? steps(`would restore the backup of ${opened.manifest.createdAt} into ${result.primary}`, result.steps)
      : `restored the backup of ${opened.manifest.createdAt} into ${result.primary} (keys ${result.restored}); every replica holds the same keys\n`;
  }
  return { exitCode: result.exitCode, json: { ...result, archive } satisfies RestoreReport, stderr: renderRecap(result), stdout };
}
