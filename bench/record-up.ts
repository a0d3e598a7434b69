#!/usr/bin/env node
/**
 * node dist/bench/record-up.js RECORD_FILE ARGS...: runs the hsts-cluster CLI with ARGS in this
 * process and records every remote batch it sends into RECORD_FILE, secrets replaced by
 * placeholders (bench/recording.ts). ARGS must name the inventory with -i.
 */
import { loadInventory } from '../src/inventory/load.js';
import { inventorySecrets, recordBatches } from './recording.js';

const [file, ...args] = process.argv.slice(2);
const inventoryPath = args[args.indexOf('-i') + 1];
if (!file || args.indexOf('-i') < 0 || !inventoryPath) {
  process.stderr.write('usage: record-up.js RECORD_FILE hsts-cluster-arguments... -i INVENTORY\n');
  process.exit(2);
}
recordBatches(file, inventorySecrets(loadInventory(inventoryPath)));
process.argv = [process.argv[0]!, process.argv[1]!, ...args];
await import('../src/cli/main.js');
