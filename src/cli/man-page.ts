import { Command, type Help, type Option } from 'commander';
import { registerCommand } from './command.js';
import { COMMAND_SPECS } from './commands.js';
import { INVENTORY_ENV, withCommonOptions } from './options.js';
import { EXIT_CODES, PROGRAM_DESCRIPTION } from './program-text.js';
import { VERSION } from './version.js';

/** The program with every command declared, as `--help` shows it: the man page's one source. */
export function commandTree(): Command {
  const program = withCommonOptions(new Command('hsts-cluster')).description(PROGRAM_DESCRIPTION).version(VERSION);
  for (const spec of COMMAND_SPECS) registerCommand(program, spec, () => undefined);
  return program;
}

/** Text for roff: backslashes and hyphens escaped, no line starting as a request. */
export function roffText(text: string): string {
  return text.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/gm, '\\&$1');
}

/** A macro's quoted argument. */
function roffArgument(text: string): string {
  return `"${roffText(text).replace(/"/g, '\\(dq')}"`;
}

function optionEntries(help: Help, options: readonly Option[]): string[] {
  return options.flatMap((option) => ['.TP', `.B ${roffArgument(help.optionTerm(option))}`, roffText(help.optionDescription(option))]);
}

function commandSection(help: Help, command: Command, common: Set<string>): string[] {
  const own = help.visibleOptions(command).filter((o) => !common.has(o.flags));
  const args = help.visibleArguments(command);
  return [
    `.SS ${roffArgument(`hsts-cluster ${command.name()} ${command.usage()}`)}`,
    roffText(command.description()),
    ...args.flatMap((a) => ['.TP', `.I ${roffArgument(help.argumentTerm(a))}`, roffText(help.argumentDescription(a))]),
    ...optionEntries(help, own),
  ];
}

/** `0  ok ...` lines of the exit codes text --help ends with. */
function exitStatus(): string[] {
  return [...EXIT_CODES.matchAll(/^ {2}(\d) {2}(.+)$/gm)].flatMap((m) => ['.TP', `.B ${m[1]!}`, roffText(m[2]!)]);
}

/** hsts-cluster(1) in roff (man(7) macros), from the same command tree as `--help` and completion. */
export function manPage(program: Command = commandTree()): string {
  const help = program.createHelp();
  const commonOptions = help.visibleOptions(program);
  const common = new Set(commonOptions.map((o) => o.flags));
  const commands = help.visibleCommands(program).filter((c) => c.name() !== 'help');
  const notes = EXIT_CODES.split('\n').filter((line) => line && !/^(Exit codes:| {2}\d)/.test(line));
  return [
    `.TH HSTS\\-CLUSTER 1 "" ${roffArgument(`hsts-cluster ${VERSION}`)} "User Commands"`,
    '.SH NAME',
    `hsts\\-cluster \\- ${roffText(PROGRAM_DESCRIPTION)}`,
    '.SH SYNOPSIS',
    '.B hsts\\-cluster',
    '[\\fIoptions\\fR] \\fIcommand\\fR [\\fIarguments\\fR] [\\fIoptions\\fR]',
    '.SH DESCRIPTION',
    roffText(`${PROGRAM_DESCRIPTION}: plan shows what up would change, up applies it and rolls back every changed node when anything fails, status gives a verdict.`),
    ...notes.flatMap((line) => ['.PP', roffText(line)]),
    '.SH OPTIONS',
    'Every command takes these options, before or after its name.',
    ...optionEntries(help, commonOptions),
    '.SH COMMANDS',
    ...commands.flatMap((c) => commandSection(help, c, common)),
    '.SH EXIT STATUS',
    ...exitStatus(),
    '.SH ENVIRONMENT',
    '.TP',
    `.B ${INVENTORY_ENV}`,
    roffText('the inventory file when -i is not given'),
    '.SH FILES',
    '.TP',
    '.I ./inventory.json',
    roffText('the inventory (JSON or YAML) when neither -i nor the environment names one'),
    '.TP',
    '.I .hsts\\-cluster/journal/',
    roffText('beside the inventory: the audit journal (every remote command\'s label, exit code and duration) and internal-errors.jsonl; --journal-dir moves it'),
    '.SH SEE ALSO',
    '.BR ssh (1),',
    '.BR ssh_config (5),',
    '.BR redis\\-sentinel (1),',
    '.BR systemd.timer (5)',
    '',
  ].join('\n');
}
