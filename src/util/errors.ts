/** Bad input or usage: nothing was touched. The CLI prints each problem on its own line, exit 2. */
export class UsageError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'UsageError';
  }
}

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  rollbackFailed: 3,
} as const;
