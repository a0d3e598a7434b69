import { once } from 'node:events';
import type { Inventory } from '../inventory/load.js';
import { UsageError } from '../util/errors.js';
import type { CommandContext, CommandSpec, Outcome } from './command.js';
import { onInterrupt, type SignalSource } from './interrupt.js';
import { limitedNodes, load, journalDir } from './load.js';
import { log, type CommonOptions } from './options.js';
import { exitCodeOf, leavingProblem, limitProblem, stdoutChunks } from './outcome.js';
import { terminalSafe } from '../ui/terminal-safe.js';

/** What the wrapper touches of the world; tests hand in their own. */
export interface CommandIO {
  load: (options: CommonOptions, writesJournal: boolean) => Inventory;
  signals: SignalSource;
  /** Resolves once the text is written or queued within the stream's bounds (a reader slower than us: once drained). */
  stdout: (text: string) => void | Promise<void>;
  stderr: (text: string) => void;
  log: (line: string) => void;
}

const processIO: CommandIO = {
  load,
  signals: process,
  stdout: async (text) => {
    // stdout to a pipe or socket is written asynchronously: without waiting for 'drain', a 60 MB
    // --json result was queued whole, as up to 3 bytes per character (175 MB at 501 nodes).
    if (text && !process.stdout.write(text)) await once(process.stdout, 'drain');
  },
  stderr: (text) => { if (text) process.stderr.write(text); },
  log,
};

async function* outcomesOf(produced: Outcome | AsyncIterable<Outcome>): AsyncIterable<Outcome> {
  if (Symbol.asyncIterator in produced) yield* produced;
  else yield produced;
}

/**
 * Runs one command: refuses bad input before anything is loaded, loads the inventory, installs the
 * Ctrl-C handling, calls the handler, renders each outcome and returns the exit code. Errors
 * (UsageError: exit 2; anything else: an internal error) go to main.ts, which prints them once.
 */
export async function runCommand<O extends CommonOptions>(spec: CommandSpec<O>, options: O, args: string[], io: CommandIO = processIO): Promise<number> {
  const refusal = limitProblem(spec, options);
  if (refusal) throw new UsageError([refusal]);
  spec.validate?.(options, args);
  const inventory = io.load(options, spec.journal);
  const leaving = leavingProblem(spec, inventory);
  if (leaving) throw new UsageError([leaving]);
  const only = spec.limit === 'shows' ? limitedNodes(options, inventory) : undefined;
  // Everything written from here may hold a node's text: no control character reaches the terminal.
  const stdout = (text: string) => io.stdout(terminalSafe(text));
  const stderr = (text: string) => io.stderr(terminalSafe(text));
  const log = (line: string) => io.log(terminalSafe(line));
  const interrupt = spec.interrupt ? onInterrupt(spec.interrupt, log, io.signals) : undefined;
  const ctx: CommandContext<O> = {
    options,
    args,
    inventory,
    only,
    signal: interrupt?.signal ?? new AbortController().signal,
    connection: { forks: options.forks ?? inventory.nodes.length, hostKeys: options.acceptNewHostKeys ? 'accept-new' : 'strict' },
    journalDir: journalDir(options, inventory),
    log,
    report: stderr,
  };
  let last: Outcome | undefined;
  try {
    for await (const outcome of outcomesOf(await spec.handler(ctx))) {
      stderr(outcome.stderr ?? '');
      for (const chunk of stdoutChunks(outcome, Boolean(options.json))) await stdout(chunk);
      last = outcome;
    }
  } finally {
    interrupt?.dispose();
  }
  return exitCodeOf(last);
}
