import { asProblem, formatProblem, type Problem } from './problem.js';

/** Bad input or usage: nothing was touched. The CLI prints each problem (exit 2), all of them at once. */
export class UsageError extends Error {
  /** Each problem as text (the file, field, value, rule and next step). */
  readonly problems: string[];
  readonly details: Problem[];

  constructor(problems: (string | Problem)[]) {
    const details = problems.map(asProblem);
    const lines = details.map(formatProblem);
    super(lines.join('\n'));
    this.name = 'UsageError';
    this.problems = lines;
    this.details = details;
  }
}

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  rollbackFailed: 3,
} as const;
