/** Writes inventory.schema.json beside inventory.example.json (npm run schema). */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { inventoryJsonSchemaText } from '../src/inventory/json-schema.js';

const path = resolve(process.argv[2] ?? 'inventory.schema.json');
writeFileSync(path, inventoryJsonSchemaText());
console.error(`wrote ${path}`);
