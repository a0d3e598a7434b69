/** A failed remote command for people: its label, exit code and the last lines of its output. */
export function describeFailure(failure: { label: string; exitCode: number; output: string }): string {
  const text = failure.output.trim().split('\n').slice(-6).join('\n    ');
  return `${failure.label}: exit ${failure.exitCode}${text ? `\n    ${text}` : ''}`;
}
