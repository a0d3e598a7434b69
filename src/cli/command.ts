import type { Command } from 'commander';
import type { Command as TypedCommand } from '@commander-js/extra-typings';
import type { Inventory } from '../inventory/load.js';
import type { HostKeyPolicy } from '../ssh/connection.js';
import { withCommonOptions, type CommonOptions } from './options.js';

/**
 * One CLI command as a declaration: its name, options and what it needs, plus a handler that
 * returns what happened. `runCommand` (run-command.ts) does what every command shares: the
 * inventory, --limit, Ctrl-C, rendering (human or --json) and the exit code.
 */
/**
 * A command as its declaration receives it: commander's own object, typed by
 * @commander-js/extra-typings so that each `.option()` adds its option to the type.
 */
export type DeclaredCommand = TypedCommand<[], CommonOptions>;

/**
 * The options a command's handler gets: inferred from what its declaration adds to the common
 * ones (no interface kept in sync by hand).
 */
export type OptionsOf<S> = S extends CommandSpec<infer O> ? O : never;

export interface CommandSpec<O extends CommonOptions = CommonOptions> {
  name: string;
  description: string;
  /** Its page (a path in the source tree and the npm package, `#` a heading), named by its --help. */
  docs: string;
  /** Its own arguments and options (the common ones are added for it); their types make `O`. */
  declare?: (command: DeclaredCommand) => { opts(): O };
  /** The command changes nodes and keeps an audit journal, whose directory must be writable. */
  journal: boolean;
  /** `'shows'`: --limit picks the nodes shown; otherwise why the command refuses --limit (exit 2). */
  limit: 'shows' | { refused: string };
  /**
   * Ctrl-C: `'rollback'` stops the work and rolls back what it changed, `'finish'` lets a
   * rollback finish (the rollback command), `'stop'` ends a read-only
   * command after the current round; absent: no handler (the process ends at once).
   */
  interrupt?: 'rollback' | 'finish' | 'stop';
  /**
   * Nodes marked "state": "absent" are still members until `up` detaches them. `'allowed'`: the
   * command works with them there (up, plan, status, rollback); otherwise it refuses (exit 2), since
   * it would act on the present nodes only and leave a member behind.
   */
  whileLeaving?: 'allowed';
  /** Checks of the arguments that commander cannot make; throws UsageError (exit 2, nothing loaded). */
  validate?(options: O, args: string[]): void;
  /** The work. Imports what it needs dynamically, so `--help` and `--version` stay light. */
  handler(ctx: CommandContext<O>): Handled;
}

export interface ConnectionOptions {
  forks: number;
  hostKeys: HostKeyPolicy;
}

export interface CommandContext<O extends CommonOptions = CommonOptions> {
  options: O;
  /** Positional arguments, in order (add-transfer-user: the names). */
  args: string[];
  inventory: Inventory;
  /** --limit: the nodes to show (commands with `limit: 'shows'` only). */
  only: Set<string> | undefined;
  /** Aborted by Ctrl-C (and SIGTERM). */
  signal: AbortSignal;
  connection: ConnectionOptions;
  journalDir: string;
  /** A line for the person (stderr, secrets redacted). */
  log: (line: string) => void;
  /** Text as the work goes (stderr; stdout stays for the result). */
  report: (text: string) => void;
}

/**
 * What a handler returns. Handlers say so (`async (ctx): Handled =>`): their options' type is
 * inferred from the spec they are part of, and an inferred return type would go round in a circle.
 */
export type Handled = Promise<Outcome | AsyncIterable<Outcome>>;

/** What a command hands back; a stream of them (status --watch) renders each in turn. */
export interface Outcome {
  exitCode: number;
  /** The one JSON document --json prints on stdout. */
  json: unknown;
  /** The recap and diffs: stderr, with or without --json. */
  stderr?: string;
  /** The report a person reads on stdout (status); --json prints the JSON instead. */
  stdout?: string;
}

export function defineCommand<O extends CommonOptions>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

/** A command that reads no inventory and opens no connection (completion): it prints and exits. */
export interface StandaloneSpec {
  name: string;
  description: string;
  docs: string;
  declare?: (command: Command) => Command;
  standalone(args: string[]): Promise<Outcome>;
}

/** --help names the command's page, before the exit codes every --help ends with. */
function withDocs(command: Command, docs: string): Command {
  return command.addHelpText('after', `\nDocumentation: ${docs} (in hsts-cluster's source tree and npm package)`);
}

/** Adds the command to the program; its action runs it through the wrapper. */
export function registerCommand<O extends CommonOptions>(program: Command, spec: CommandSpec<O> | StandaloneSpec, setExit: (code: number) => void): void {
  if ('standalone' in spec) {
    const command = withDocs(program.command(spec.name).description(spec.description), spec.docs);
    spec.declare?.(command);
    command.action(async (...params: unknown[]) => {
      const outcome = await spec.standalone(params.slice(0, -2) as string[]);
      if (outcome.stdout) process.stdout.write(outcome.stdout);
      setExit(outcome.exitCode);
    });
    return;
  }
  const command = withDocs(withCommonOptions(program.command(spec.name)).description(spec.description), spec.docs);
  // The same object at run time; extra-typings only types what the declaration adds.
  spec.declare?.(command as unknown as DeclaredCommand);
  // commander calls the action with the arguments, then the options, then the command.
  command.action(async (...params: unknown[]) => {
    const args = (params.slice(0, -2) as (string | string[] | undefined)[]).flatMap((a) => a ?? []);
    const { runCommand } = await import('./run-command.js');
    setExit(await runCommand(spec, params.at(-2) as O, args));
  });
}
