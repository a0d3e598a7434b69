import type { RunResult } from '../runner/result.js';
import { renderRecap } from '../ui/render.js';
import type { Outcome } from './command.js';

/** A run's outcome: the recap (after `before`, e.g. the plan's diffs) on stderr, the result as JSON. */
export function recapOutcome(result: RunResult, before = ''): Outcome {
  return { exitCode: result.exitCode, json: result, stderr: before + renderRecap(result) };
}
