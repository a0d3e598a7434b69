import { dirname, relative } from 'node:path';
import { setRedisPasswordSource, setRedisPasswordSourceYaml, type SecretSource } from '../../inventory/edit.js';
import { rewriteInventoryFile } from '../../inventory/rewrite-file.js';
import { runRotate, type RotateResult } from './procedure.js';
import { renderRecap } from '../../ui/render.js';
import type { CommandContext, Outcome } from '../../cli/command.js';
import { newPasswordSource, type NewPassword, type RotateCliOptions } from './new-password.js';
import { procedureOptions } from '../../cli/run-options.js';

function summary(result: RotateResult, dryRun: boolean, inventoryNote: string): string {
  if (result.exitCode !== 0) return '';
  if (result.unchanged) return `every Redis and Sentinel accepts only the new password, askmscli and both files on every node hold it: nothing to do\n${inventoryNote}`;
  const steps = result.steps.map((s, i) => `  ${i + 1}. ${s}\n`).join('');
  if (result.behind) {
    // Only files were behind the servers: the rerun rewrites those and restarts nothing else.
    if (dryRun) return `every Redis and Sentinel accepts only the new password; would bring the files behind to it:\n${steps}`;
    return `brought the files behind to the new password (${result.behind.length} directive(s)); nothing else was restarted\n${inventoryNote}`;
  }
  if (dryRun) return `would rotate the Redis password:\n${steps}`;
  return `rotated the Redis password on every node; the old one is refused everywhere\n${inventoryNote}`;
}

function sourceFor(inventoryPath: string, given: NewPassword): SecretSource {
  return 'env' in given ? { env: given.env } : { file: relative(dirname(inventoryPath), given.file) || given.file };
}

/** The inventory rewritten in place (same mode and owner, atomic rename) to refer to the new secret; '' when it does already. */
function pointInventory(inventoryPath: string, source: SecretSource): string {
  const changed = rewriteInventoryFile(inventoryPath, (text, format) =>
    (format === 'yaml' ? setRedisPasswordSourceYaml : setRedisPasswordSource)(text, source));
  if (!changed) return '';
  return `${inventoryPath}: cluster.redisPassword now refers to ${'env' in source ? `environment variable ${source.env}` : `file ${source.file}`}\n`;
}

export async function rotatePassword(ctx: CommandContext<RotateCliOptions>): Promise<Outcome> {
  const { options, inventory } = ctx;
  const given = newPasswordSource(options);
  const dryRun = Boolean(options.dryRun);
  const result = await runRotate(inventory, {
    newPassword: given.secret,
    ...procedureOptions(ctx),
  });
  let note = '';
  if (result.exitCode === 0 && !dryRun) {
    try {
      note = pointInventory(inventory.path, sourceFor(inventory.path, given));
    } catch (e) {
      result.errors.push(`the cluster uses the new password, but ${inventory.path} could not be rewritten (${(e as Error).message}): set cluster.redisPassword to the new secret by hand`);
      result.exitCode = 1;
    }
  }
  return { exitCode: result.exitCode, json: result, stderr: renderRecap(result), stdout: summary(result, dryRun, note) };
}
