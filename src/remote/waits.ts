import { shq } from '../ssh/shell.js';

/** A bounded wait: how long at most, how often to look. */
export interface WaitOptions {
  timeoutMs: number;
  /** Default 100 ms. */
  intervalMs?: number;
  /** waitUntil only: stop waiting once aborted (Ctrl-C), as if the time were up. */
  signal?: AbortSignal;
}

export interface PollOptions extends WaitOptions {
  /** bash that succeeds once the wait is over; it may set `last` to what it saw. */
  condition: string;
  /** Printed when the time is up, followed by `last answer: $last`. */
  message: string;
}

const DEFAULT_INTERVAL_MS = 100;

/** bash: repeat `condition` every interval until it holds or the timeout (whole seconds, at least 1) passes. */
export function pollUntil(options: PollOptions): string {
  const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
  const interval = (options.intervalMs ?? DEFAULT_INTERVAL_MS) / 1000;
  return [
    `deadline=$((SECONDS + ${seconds}))`,
    `until ${options.condition}; do`,
    `  if [ "$SECONDS" -ge "$deadline" ]; then echo ${shq(options.message)}; echo "last answer: \${last:-none}"; exit 1; fi`,
    `  sleep ${interval}`,
    'done',
  ].join('\n');
}

/**
 * The controller's side of a bounded wait: `probe` until `done` holds or the timeout passes (the
 * probe runs at least once), or it is aborted. `ok` says whether `done` held; `value` is the last
 * probe's answer.
 */
export async function waitUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  options: WaitOptions,
): Promise<{ value: T; ok: boolean }> {
  const deadline = Date.now() + options.timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline && !options.signal?.aborted) {
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? DEFAULT_INTERVAL_MS));
    value = await probe();
  }
  return { value, ok: done(value) };
}

/** Ctrl-C as an error: the work that asked stops there and puts back what it changed. */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Error('interrupted (Ctrl-C)');
}

/** waitUntil that ends early on Ctrl-C by throwing, so that a caller cannot mistake it for a timeout. */
export async function waitUntilInterruptible<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  options: WaitOptions,
): Promise<{ value: T; ok: boolean }> {
  throwIfInterrupted(options.signal);
  const result = await waitUntil(probe, done, options);
  throwIfInterrupted(options.signal);
  return result;
}
