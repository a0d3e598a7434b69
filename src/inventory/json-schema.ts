import { z } from 'zod';
import { inventorySchema } from './schema.js';

/** JSON Schema of the inventory, for editors (completion and checks as you type). */
export function inventoryJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(inventorySchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://github.com/hsts-cluster/hsts-cluster/inventory.schema.json',
    title: 'hsts-cluster inventory',
    description: 'Nodes, SSH access and cluster settings for hsts-cluster. Cross-field rules (odd node count, ' +
      'one primary, unique names and IPs, quorum below the number of nodes) are checked by the tool.',
  };
}

export function inventoryJsonSchemaText(): string {
  return `${JSON.stringify(inventoryJsonSchema(), null, 2)}\n`;
}
