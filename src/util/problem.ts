/**
 * One thing wrong with what the user gave us: where (file, line:column, field), what (the value,
 * never a secret's), which rule it breaks, and what to do next. Rendered as text on stderr and as
 * an object in --json output.
 */
export interface Problem {
  file?: string;
  line?: number;
  column?: number;
  /** JSON path ("nodes[1].privateIp") or an option ("--forks"). */
  field?: string;
  /** The offending value; left out for secrets. */
  value?: unknown;
  /** What is wrong: the rule broken. */
  message: string;
  /** The next step. */
  hint?: string;
}

function where(p: Problem): string {
  if (!p.file) return '';
  return p.line !== undefined ? `${p.file}:${p.line}:${p.column ?? 1}: ` : `${p.file}: `;
}

function shown(value: unknown): string {
  if (value === undefined) return '';
  const text = JSON.stringify(value);
  return text === undefined ? '' : ` (got ${text.length > 60 ? `${text.slice(0, 57)}...` : text})`;
}

/** "FILE:LINE:COL: FIELD: MESSAGE (got VALUE)", then "  hint: NEXT STEP" on its own line. */
export function formatProblem(p: Problem): string {
  const head = `${where(p)}${p.field ? `${p.field}: ` : ''}${p.message}${shown(p.value)}`;
  return p.hint ? `${head}\n  hint: ${p.hint}` : head;
}

export function asProblem(problem: string | Problem): Problem {
  return typeof problem === 'string' ? { message: problem } : problem;
}
