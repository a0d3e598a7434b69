import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { commandOf } from '../../src/cli/habits.js';
import { JSON_DOCUMENTS, type JsonDocumentName } from '../../src/cli/json-documents.js';
import { repoRoot } from '../rig/image.js';

/**
 * Every --json output the suite sees is checked against the command's schema (schemas/, generated
 * from src/cli/json-documents.ts): runCli and startCli reject a run whose --json stdout is not one
 * document of its command's schema, or of the error schema (a command that did not run).
 */
const ajv = new Ajv({ allErrors: true, strict: true });
const validators = new Map<JsonDocumentName, ValidateFunction>();

function validator(name: JsonDocumentName): ValidateFunction {
  let validate = validators.get(name);
  if (!validate) {
    const schema = JSON.parse(readFileSync(join(repoRoot(), 'schemas', `${name}.schema.json`), 'utf8')) as object;
    validate = ajv.compile(schema);
    validators.set(name, validate);
  }
  return validate;
}

const COMMANDS = new Set(Object.keys(JSON_DOCUMENTS).filter((name) => name !== 'error'));

/** The command a CLI call runs, found as the CLI finds it; undefined when it has no --json document. */
function documentOf(args: string[]): JsonDocumentName | undefined {
  const command = commandOf(args);
  return command !== undefined && COMMANDS.has(command) ? command as JsonDocumentName : undefined;
}

/** The documents on stdout: one, or one per round (status --watch), each a top-level object. */
function documentsOf(stdout: string): unknown[] {
  try {
    return [JSON.parse(stdout)];
  } catch {
    return stdout.split(/(?<=^\})\n(?=\{$)/m).map((piece) => JSON.parse(piece) as unknown);
  }
}

/** Why this --json output breaks its schema, or undefined when every document on stdout fits. */
export function jsonOutputProblem(args: string[], stdout: string): string | undefined {
  if (!args.includes('--json') || args.includes('--help') || stdout.trim() === '') return undefined;
  let documents: unknown[];
  try {
    documents = documentsOf(stdout);
  } catch (e) {
    return `--json printed what is not JSON (${(e as Error).message}):\n${stdout.slice(0, 2000)}`;
  }
  const command = documentOf(args);
  for (const document of documents) {
    if (validator('error')(document)) continue;
    if (!command) return `--json of no known command printed a document that is not an error report:\n${ajv.errorsText(validator('error').errors)}`;
    const validate = validator(command);
    if (validate(document)) continue;
    const errors = (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
    return `${command} --json does not fit schemas/${command}.schema.json:\n  ${errors.join('\n  ')}`;
  }
  return undefined;
}
