/**
 * The JSON Schema of each command's --json document, generated from the TypeScript types in
 * src/cli/json-documents.ts (ts-json-schema-generator: the types the code is checked against are the
 * one source, so a schema cannot drift from what the command prints).
 *   npm run schemas            writes schemas/<command>.schema.json
 *   (test/unit/json-schemas.test.ts fails when a committed schema is not the one generated)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGenerator } from 'ts-json-schema-generator';
import { JSON_DOCUMENTS, SCHEMA_VERSION, type JsonDocumentName } from '../src/cli/json-documents.js';
import { repoRoot } from '../test/rig/image.js';

/** Each command's schema text, by command name, in JSON_DOCUMENTS's order. */
export function generateJsonSchemas(root: string): Map<JsonDocumentName, string> {
  const generator = createGenerator({
    path: join(root, 'src/cli/json-documents.ts'),
    tsconfig: join(root, 'tsconfig.json'),
    skipTypeCheck: true,
    additionalProperties: false,
    topRef: false,
    expose: 'none',
    jsDoc: 'extended',
    sortProps: true,
  });
  const schemas = new Map<JsonDocumentName, string>();
  for (const [command, type] of Object.entries(JSON_DOCUMENTS) as [JsonDocumentName, string][]) {
    const schema = generator.createSchema(type);
    const titled = {
      $schema: schema.$schema,
      $id: `hsts-cluster/schemas/${command}.schema.json`,
      title: command === 'error' ? 'hsts-cluster --json, when a command did not run' : `hsts-cluster ${command} --json`,
      description: `schemaVersion ${SCHEMA_VERSION}`,
      ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
    };
    schemas.set(command, `${JSON.stringify(titled, null, 2)}\n`);
  }
  return schemas;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = repoRoot();
  const dir = join(root, 'schemas');
  mkdirSync(dir, { recursive: true });
  for (const [command, text] of generateJsonSchemas(root)) writeFileSync(join(dir, `${command}.schema.json`), text);
  console.error(`wrote ${Object.keys(JSON_DOCUMENTS).length} schemas in ${dir}`);
}
