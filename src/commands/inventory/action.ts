import { randomBytes } from 'node:crypto';
import { linkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { readInventoryDocument } from '../../inventory/read-file.js';
import { EXIT, UsageError } from '../../util/errors.js';
import type { CommandContext, Outcome, OptionsOf } from '../../cli/command.js';
import type { InventoryCheck, InventoryConversion } from '../../cli/json-documents.js';
import { describeTarget } from '../../cli/load.js';
import { inventoryPath } from '../../cli/options.js';
import type { inventory as inventoryCommand } from './cli.js';

export type InventoryCliOptions = OptionsOf<typeof inventoryCommand>;

/**
 * The inventory was loaded and checked whole by the wrapper (a problem ends in exit 2 before this
 * runs), without opening a connection: what is left is to say what it resolved to.
 */
export function checkInventory(ctx: CommandContext): Outcome {
  const { inventory } = ctx;
  const nodes = inventory.nodes.map((n) => ({
    name: n.name,
    role: n.role,
    privateIp: n.privateIp,
    ssh: { host: n.ssh.host, port: n.ssh.port, user: n.ssh.user, ...(n.ssh.jumpHost ? { jumpHost: `${n.ssh.jumpHost.user}@${n.ssh.jumpHost.host}:${n.ssh.jumpHost.port}` } : {}) },
  }));
  const lines = [
    `${inventory.path}: valid (${nodes.length} nodes, quorum ${inventory.cluster.quorum}, primary set ${inventory.cluster.primarySet}); no connection was opened`,
    ...inventory.nodes.map((n) => `  ${n.role.padEnd(7)} ${describeTarget(n)}`),
  ];
  return { exitCode: EXIT.ok, json: { valid: true, path: inventory.path, quorum: inventory.cluster.quorum, nodes } satisfies InventoryCheck, stdout: `${lines.join('\n')}\n` };
}

/**
 * Writes `text` to `path` by a temp file of its own (exclusive name, mode 0600: an inventory may
 * hold a literal password) moved into place; without `replace`, a hard link that fails when the
 * name exists, so a file that appeared meanwhile is not clobbered either.
 */
export function writeNewFile(path: string, text: string, replace: boolean): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
  try {
    if (replace) renameSync(tmp, path);
    else linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError([{ field: '--output', value: path, message: 'exists: inventory convert does not replace a file', hint: 'choose another name, or add --force to replace it' }]);
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * The native inventory the given one stands for (an Ansible inventory's group, or a native one as
 * it is), checked whole by the wrapper first; converting the output again gives the same text.
 */
export function convertInventory(ctx: CommandContext<InventoryCliOptions>): Outcome {
  const { options } = ctx;
  const { path, source } = inventoryPath(options);
  const { value } = readInventoryDocument(path, source, options.group);
  const format = options.format ?? 'json';
  const text = format === 'yaml' ? stringify(value, { lineWidth: 0 }) : `${JSON.stringify(value, null, 2)}\n`;
  const json: InventoryConversion = { converted: true, from: resolve(path), format, output: options.output === undefined ? null : resolve(options.output), nodes: ctx.inventory.nodes.length };
  if (options.output === undefined) return { exitCode: EXIT.ok, json: { ...json, inventory: value }, stdout: text };
  writeNewFile(options.output, text, options.force === true);
  return { exitCode: EXIT.ok, json, stderr: `${resolve(options.output)}: the native inventory of ${resolve(path)} (${ctx.inventory.nodes.length} nodes)\n` };
}
