#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { renderProblems, renderUnexpected } from '../ui/errors.js';
import { EXIT, UsageError } from '../util/errors.js';
import type { Problem } from '../util/problem.js';
import { redact } from '../util/secret.js';
import { registerCommand } from './command.js';
import { COMMAND_SPECS } from './commands.js';
import { commandOf, habitProblems } from './habits.js';
import { errorJson } from './outcome.js';
import { context, withCommonOptions } from './options.js';
import { EXIT_CODES, PROGRAM_DESCRIPTION } from './program-text.js';
import { VERSION } from './version.js';
import { terminalSafe } from '../ui/terminal-safe.js';

const program = withCommonOptions(new Command('hsts-cluster'))
  .description(PROGRAM_DESCRIPTION)
  .version(VERSION)
  .enablePositionalOptions()
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText('afterAll', EXIT_CODES)
  .exitOverride();

/** Options given before the command count as given after it; -v before and after add up. */
program.hook('preAction', (_program, action) => {
  for (const [name, value] of Object.entries(program.opts<Record<string, unknown>>())) {
    if (program.getOptionValueSource(name) !== 'cli') continue;
    const own: unknown = action.getOptionValueSource(name) === 'cli' ? action.getOptionValue(name) : undefined;
    const merged: unknown = name === 'verbose' ? (value as number) + ((own as number | undefined) ?? 0)
      : name === 'limit' ? [...(value as string[]), ...((own as string[] | undefined) ?? [])]
        : own ?? value;
    action.setOptionValueWithSource(name, merged, 'cli');
  }
});

let exitCode: number = EXIT.ok;
const setExit = (code: number) => { exitCode = code; };
const args = process.argv.slice(2);
const named = commandOf(args);
// Only the command being run is declared to commander (none for --version alone): declaring every
// command with the common options is commander's slowest part of start-up. Help, `help CMD`, or a
// name that is no command (for commander's "Did you mean ...?") declare them all.
const asksHelp = named === 'help' || args.some((a) => a === '-h' || a === '--help');
const versionOnly = !asksHelp && named === undefined && args.some((a) => a === '-V' || a === '--version');
const only = asksHelp ? undefined : COMMAND_SPECS.find((spec) => spec.name === named);
for (const spec of versionOnly ? [] : only ? [only] : COMMAND_SPECS) registerCommand(program, spec, setExit);

// `hsts-cluster --help | head`: the reader left; nothing more to say, and no trace for it.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(exitCode); else throw e; });
}

const json = args.includes('--json');
const verbose = args.some((a) => a === '--verbose' || /^-v+$/.test(a));

function refuse(problems: Problem[], alreadyPrinted = false): void {
  if (!alreadyPrinted) process.stderr.write(terminalSafe(renderProblems(problems)));
  if (json) process.stdout.write(terminalSafe(errorJson(EXIT.usage, problems)));
  exitCode = EXIT.usage;
}

/** Keeps the trace of an unexpected error beside the journal (root-only), for the bug report. */
function saveTrace(e: unknown): string | undefined {
  if (!context.journalDir) return undefined;
  try {
    mkdirSync(context.journalDir, { recursive: true, mode: 0o700 });
    const path = join(context.journalDir, 'internal-errors.jsonl');
    const line = { time: new Date().toISOString(), argv: args, error: String(e), stack: e instanceof Error ? e.stack : undefined };
    appendFileSync(path, `${redact(JSON.stringify(line))}\n`, { mode: 0o600 });
    return path;
  } catch {
    return undefined;
  }
}

/** An async function, not top-level await: the single executable's bundle is CommonJS (scripts/package.mjs). */
async function main(): Promise<void> {
  const habits = habitProblems(args);
  if (habits.length > 0) {
    refuse(habits);
  } else if (named === undefined && !args.some((a) => ['-h', '--help', '-V', '--version'].includes(a))) {
    refuse([{ message: 'no command given', hint: 'start with `hsts-cluster plan -i inventory.json` (what up would change); `hsts-cluster --help` lists the commands' }]);
  } else {
    try {
      await program.parseAsync(process.argv);
    } catch (e) {
      if (e instanceof CommanderError) {
        // commander has printed its message (with "Did you mean ...?") already.
        if (e.exitCode === 0) exitCode = EXIT.ok;
        else refuse([{ message: e.message.replace(/^error: /, '') }], true);
      } else if (e instanceof UsageError) {
        refuse(e.details);
      } else {
        const { text, problem } = renderUnexpected(e, { verbose, tracePath: saveTrace(e) });
        process.stderr.write(terminalSafe(text));
        if (json) process.stdout.write(terminalSafe(errorJson(EXIT.failed, [problem])));
        exitCode = EXIT.failed;
      }
    }
  }
  process.exitCode = exitCode;
}

void main();
