import { jsonChunks } from '../ui/render.js';
import { versioned, type ErrorReport } from './json-documents.js';
import { EXIT } from '../util/errors.js';
import type { Inventory } from '../inventory/load.js';
import type { Problem } from '../util/problem.js';
import type { CommandSpec, Outcome } from './command.js';
import type { CommonOptions } from './options.js';

/**
 * Where an outcome goes: stderr carries the recap in both modes; stdout carries either the report a
 * person reads or, with --json, the one JSON document.
 *
 * stdout's text comes in pieces to write one after the other: the JSON document of up on hundreds of
 * nodes is tens of MB, which rendered whole (and copied to redact and to write) was most of the
 * run's peak memory. stderr is outcome.stderr as it is.
 */
export function* stdoutChunks(outcome: Outcome, json: boolean): Generator<string> {
  if (json) yield* jsonChunks(versioned(outcome.json));
  else yield outcome.stdout ?? '';
}

/** The one JSON object --json prints when the command did not run (schemas/error.schema.json). */
export function errorJson(exitCode: number, problems: Problem[]): string {
  return [...jsonChunks(versioned({ exitCode, errors: problems } satisfies ErrorReport))].join('');
}

/** The exit code of a command: its last outcome's (status --watch: the last round's). */
export function exitCodeOf(last: Outcome | undefined): number {
  // A handler that reported nothing did not do its work.
  return last?.exitCode ?? EXIT.failed;
}

/** --limit on a command that refuses it: the problem to report (exit 2, before anything is loaded). */
/** A command that acts on the present nodes only, while nodes marked absent are still members: refused. */
export function leavingProblem(spec: Pick<CommandSpec, 'name' | 'whileLeaving'>, inventory: Pick<Inventory, 'path' | 'leaving'>): Problem | undefined {
  const leaving = inventory.leaving ?? [];
  if (leaving.length === 0 || spec.whileLeaving === 'allowed') return undefined;
  const names = leaving.map((n) => n.name).join(', ');
  return {
    file: inventory.path,
    field: 'nodes[].state',
    value: 'absent',
    message: `${names} ${leaving.length === 1 ? 'is' : 'are'} marked "state": "absent" but still a member until \`hsts-cluster up\` detaches ${leaving.length === 1 ? 'it' : 'them'}; ${spec.name} would leave ${leaving.length === 1 ? 'it' : 'them'} behind`,
    hint: 'run `hsts-cluster up` first (`hsts-cluster plan` shows what it does), or set the node back to "present"',
  };
}

export function limitProblem(spec: Pick<CommandSpec, 'name' | 'limit'>, options: CommonOptions): Problem | undefined {
  if (!options.limit || spec.limit === 'shows') return undefined;
  const nodes = options.limit.join(',');
  return {
    field: '--limit',
    value: nodes,
    message: `${spec.name} does not take --limit`,
    hint: `${spec.limit.refused}; \`hsts-cluster plan --limit ${nodes}\` shows what up would change there`,
  };
}
