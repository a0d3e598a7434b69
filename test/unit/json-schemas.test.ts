import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_SPECS } from '../../src/cli/commands.js';
import { JSON_DOCUMENTS, SCHEMA_VERSION, versioned } from '../../src/cli/json-documents.js';
import { errorJson, stdoutChunks } from '../../src/cli/outcome.js';
import { generateJsonSchemas } from '../../scripts/json-schemas.js';
import { repoRoot } from '../rig/image.js';
import { jsonOutputProblem } from '../support/json-output.js';

const root = repoRoot();

describe('schemas/: one per command with --json, generated from src/cli/json-documents.ts', () => {
  it('each committed schema is the one the types give (run `npm run schemas` after changing a result type)', () => {
    const generated = generateJsonSchemas(root);
    const committed = readdirSync(join(root, 'schemas')).filter((f) => f.endsWith('.schema.json')).sort();
    expect(committed).toEqual([...generated.keys()].map((name) => `${name}.schema.json`).sort());
    for (const [name, text] of generated) expect(readFileSync(join(root, 'schemas', `${name}.schema.json`), 'utf8'), name).toBe(text);
  }, 180_000);
});

const run = { run: '20261206T000000Z-abcd', command: 'up', exitCode: 0, nodes: [{ name: 'node1', status: 'ok', ok: 3, changed: 0, failed: 0, changes: [] }], totals: { ok: 3, changed: 0, failed: 0 }, warnings: [], errors: [], durationMs: 12 };
const printed = (json: unknown) => [...stdoutChunks({ exitCode: 0, json }, true)].join('');

describe('--json documents carry schemaVersion and fit their schema', () => {
  it('puts schemaVersion first in a command\'s document and in the error report', () => {
    expect(Object.keys(JSON.parse(printed(run)) as object)[0]).toBe('schemaVersion');
    expect(JSON.parse(errorJson(2, [{ field: '--limit', message: 'no such node' }]))).toEqual({ schemaVersion: SCHEMA_VERSION, exitCode: 2, errors: [{ field: '--limit', message: 'no such node' }] });
    expect(versioned([1])).toEqual([1]);
  });

  it.each([
    ['up', printed(run), undefined],
    ['plan', printed({ ...run, command: 'up' }), undefined],
    ['status (an error report)', errorJson(2, [{ field: '--limit', message: 'no such node' }]), undefined],
    ['up', printed({ ...run, surprise: true }), /must NOT have additional properties.*surprise/],
    ['up', printed({ ...run, nodes: [{ ...run.nodes[0], status: 'fine' }] }), /\/nodes\/0\/status must be equal to one of the allowed values/],
    ['up', printed((({ totals: _t, ...rest }) => rest)(run)), /must have required property 'totals'/],
    ['up', run.run, /not JSON|does not fit/],
    ['up', '{"schemaVersion": 1', /not JSON/],
  ])('%s: %s', (command, stdout, problem) => {
    const found = jsonOutputProblem([command.split(' ')[0]!, '-i', 'inv.json', '--json'], stdout);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });

  it('takes one document a round (status --watch), each judged', () => {
    const round = printed({ ...run, command: 'status' });
    expect(jsonOutputProblem(['up', '--json'], round + round)).toBeUndefined();
    expect(jsonOutputProblem(['up', '--json'], round + printed({ ...run, extra: 1 }))).toMatch(/additional properties/);
  });

  it('names every command that takes --json (each registered one but the standalone completion), and no other', () => {
    const withJson = COMMAND_SPECS.filter((spec) => !('standalone' in spec)).map((spec) => spec.name).sort();
    expect(Object.keys(JSON_DOCUMENTS).filter((name) => name !== 'error').sort()).toEqual(withJson);
  });
});
