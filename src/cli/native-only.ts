import { isAnsibleInventoryFile } from '../inventory/read-file.js';
import { UsageError } from '../util/errors.js';
import { inventoryPath, type CommonOptions } from './options.js';

/** A command that writes into the inventory refuses an Ansible one before anything is touched. */
export function refuseAnsibleInventory(options: CommonOptions, what: string, hint: string): void {
  const { path } = inventoryPath(options);
  if (!isAnsibleInventoryFile(path)) return;
  throw new UsageError([{ file: path, field: '-i', message: `is an Ansible inventory: ${what} writes into the inventory, and hsts-cluster edits only its own`, hint }]);
}
