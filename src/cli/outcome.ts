import { renderJson } from '../ui/render.js';
import { EXIT } from '../util/errors.js';
import type { Problem } from '../util/problem.js';
import type { CommandSpec, Outcome } from './command.js';
import type { CommonOptions } from './options.js';

/**
 * Where an outcome goes: stderr carries the recap in both modes; stdout carries either the report a
 * person reads or, with --json, the one JSON document.
 */
export function renderOutcome(outcome: Outcome, json: boolean): { stdout: string; stderr: string } {
  return {
    stderr: outcome.stderr ?? '',
    stdout: json ? renderJson(outcome.json) : outcome.stdout ?? '',
  };
}

/** The exit code of a command: its last outcome's (status --watch: the last round's). */
export function exitCodeOf(last: Outcome | undefined): number {
  // A handler that reported nothing did not do its work.
  return last?.exitCode ?? EXIT.failed;
}

/** --limit on a command that refuses it: the problem to report (exit 2, before anything is loaded). */
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
