/** What each Ctrl-C says: the first asks the work to stop, later ones that it is still ending. */
export const INTERRUPT_MESSAGES = {
  rollback: {
    first: 'interrupted: letting running commands finish, then rolling back every changed node (this can take a moment)',
    again: 'still rolling back the nodes; please wait',
  },
  /** The rollback command: a rollback half done is worse than one finished, so it goes on. */
  finish: {
    first: 'interrupted: the rollback goes on until every node it started is rolled back (this can take a moment)',
    again: 'still rolling back the nodes; please wait',
  },
  stop: {
    first: 'interrupted: stopping',
    again: 'still stopping; please wait',
  },
} as const;

/** The part of `process` that delivers signals (an EventEmitter in tests). */
export interface SignalSource {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

export interface Interrupt {
  signal: AbortSignal;
  dispose(): void;
}

/** Ctrl-C (and SIGTERM) abort the returned signal once; every later one is only told to wait. */
export function onInterrupt(kind: keyof typeof INTERRUPT_MESSAGES, log: (line: string) => void, source: SignalSource = process): Interrupt {
  const controller = new AbortController();
  const messages = INTERRUPT_MESSAGES[kind];
  const handler = () => {
    if (controller.signal.aborted) {
      log(messages.again);
      return;
    }
    log(messages.first);
    controller.abort();
  };
  source.on('SIGINT', handler);
  source.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      source.off('SIGINT', handler);
      source.off('SIGTERM', handler);
    },
  };
}

/**
 * Sleeps that end early when `signal` aborts, all served by one abort listener added once: a
 * `status --watch` running for days adds no listener per round.
 */
export function sleeper(signal: AbortSignal): { sleep(ms: number): Promise<void>; dispose(): void } {
  let wake: (() => void) | undefined;
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    sleep: (ms) => new Promise<void>((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wake = done;
    }),
    dispose: () => signal.removeEventListener('abort', onAbort),
  };
}
