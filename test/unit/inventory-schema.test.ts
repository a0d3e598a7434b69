import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventoryJsonSchemaText } from '../../src/inventory/json-schema.js';
import { parseInventory } from '../../src/inventory/load.js';
import { repoRoot } from '../rig/image.js';

const root = repoRoot();

describe('inventory schema', () => {
  it('inventory.schema.json is the one the code exports (npm run schema)', () => {
    expect(readFileSync(resolve(root, 'inventory.schema.json'), 'utf8')).toBe(inventoryJsonSchemaText());
  });

  it('accepts inventory.example.json and fills the defaults', () => {
    const example = JSON.parse(readFileSync(resolve(root, 'inventory.example.json'), 'utf8'));
    const parsed = parseInventory(example, 'inventory.example.json');
    expect(parsed.nodes.map((n) => n.privateIp)).toEqual(['10.11.100.160', '10.11.52.248', '10.11.52.249']);
    expect(parsed.cluster.primarySet).toBe('myprimary');
    expect(parsed.cluster.save).toEqual([{ seconds: 60, changes: 10000 }]);
  });
});
