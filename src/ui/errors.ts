import { formatProblem, type Problem } from '../util/problem.js';
import { redact } from '../util/secret.js';

/** Every problem with its hint, then one line that says nothing was touched. */
export function renderProblems(problems: Problem[]): string {
  const lines = problems.map((p) => `error: ${formatProblem(p)}`);
  const n = problems.length;
  if (n > 0 && problems.some((p) => p.file !== undefined || p.field !== undefined)) {
    lines.push(`${n} problem${n === 1 ? '' : 's'}; nothing was touched (no connection was opened). Exit 2.`);
  }
  return redact(`${lines.join('\n')}\n`);
}


/** An error with a system code and a path (EACCES, ENOSPC, ...): the machine's, not a bug of ours. */
export function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((e as NodeJS.ErrnoException).code!);
}

/**
 * What a failure nobody planned for prints: one line and where the trace went; the trace itself
 * only with --verbose. A system error (a full disk, a permission) is one line without "bug".
 */
export function renderUnexpected(e: unknown, options: { verbose: boolean; tracePath?: string }): { text: string; problem: Problem } {
  const error = e instanceof Error ? e : new Error(String(e));
  const first = error.message.split('\n')[0] ?? '';
  if (isSystemError(error)) {
    const problem: Problem = { message: first, hint: 'check the path, its permissions and the free space' };
    return { text: redact(`error: ${formatProblem(problem)}\n${options.verbose ? `${error.stack ?? ''}\n` : ''}`), problem };
  }
  const where = options.tracePath ? `the trace is in ${options.tracePath}` : 'no journal yet (the inventory was not loaded)';
  const problem: Problem = {
    message: `internal error: ${first}`,
    hint: `this is a bug in hsts-cluster; ${where}; run again with --verbose to print the trace, and report it`,
  };
  const lines = [`error: ${formatProblem(problem)}`];
  if (options.tracePath) lines.push(`journal: ${options.tracePath}`);
  if (options.verbose) lines.push(error.stack ?? first);
  return { text: redact(`${lines.join('\n')}\n`), problem };
}
