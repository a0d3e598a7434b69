import type { Problem } from '../util/problem.js';
import { COMMAND_SPECS } from './commands.js';

/**
 * Flags and command names people bring from Ansible, OpenSSH and other deploy tools, each answered
 * with what to use here instead of commander's bare "unknown option".
 */
interface Habit { flags: string[]; message: string; hint: string; only?: string[] }

const INVENTORY_SSH = 'SSH settings live in the inventory ("ssh" for every node, a node\'s "ssh" for one)';

const FLAG_HABITS: Habit[] = [
  { flags: ['--check', '-C'], message: 'there is no --check', hint: '`hsts-cluster plan` shows what up would change, as diffs, and touches nothing (like ansible-playbook --check --diff)' },
  { flags: ['--dry-run'], only: ['plan', 'status', 'verify', 'rollback', 'add-transfer-user'], message: 'only up has --dry-run', hint: '`hsts-cluster plan` is the dry run of up' },
  { flags: ['--diff'], only: ['plan'], message: 'plan always shows the diffs', hint: 'drop --diff (it is for up: the diffs of what it changed)' },
  { flags: ['--ask-pass', '-k'], message: 'SSH passwords are not supported', hint: 'set "privateKey": "PATH" or "agent": true in the inventory\'s "ssh"' },
  { flags: ['--become', '-b', '--become-user', '--ask-become-pass', '-K'], message: 'there is no --become', hint: 'sudo is used when ssh.user is not root; give its password as ssh.sudoPassword ({"env": NAME} or {"file": PATH})' },
  { flags: ['--user', '-u'], message: 'there is no --user', hint: `set "user" in the inventory: ${INVENTORY_SSH}` },
  { flags: ['--private-key', '--key-file'], message: 'there is no --private-key', hint: `set "privateKey" in the inventory: ${INVENTORY_SSH}` },
  { flags: ['--port', '-p'], message: 'there is no --port', hint: `set "port" in the inventory: ${INVENTORY_SSH}` },
  { flags: ['--extra-vars', '-e'], message: 'there are no extra variables', hint: 'every setting is in the inventory file (see inventory.example.json)' },
  { flags: ['--yes', '-y', '--assume-yes'], message: 'hsts-cluster asks no questions', hint: 'drop the flag; run `hsts-cluster plan` first to see what up will change' },
];

const COMMAND_HABITS: [string[], string][] = [
  [['deploy', 'apply', 'install', 'converge', 'provision', 'run', 'start', 'create', 'setup'], 'up'],
  [['check', 'diff', 'dry-run', 'preview', 'validate', 'lint'], 'plan'],
  [['health', 'info', 'ps', 'show', 'state', 'check-health'], 'status'],
  [['test', 'failover', 'failback'], 'verify'],
  [['undo', 'revert', 'reset', 'down'], 'rollback'],
  [['add-user', 'adduser', 'useradd', 'user'], 'add-transfer-user'],
];

export const COMMANDS = [...COMMAND_SPECS.map((spec) => spec.name), 'help'];
const TAKES_VALUE = new Set(['-i', '--inventory', '-f', '--forks', '-l', '--limit', '--journal-dir', '--wait-transfers', '--wait-timeout', '--run', '--watch', '--message', '--format', '--group', '--output']);

/** The command word, skipping options and their values. */
export function commandOf(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return args[i + 1];
    if (arg.startsWith('-')) {
      if (TAKES_VALUE.has(arg)) i++;
      continue;
    }
    return arg;
  }
  return undefined;
}

export function habitProblems(args: string[]): Problem[] {
  const end = args.indexOf('--');
  const options = end === -1 ? args : args.slice(0, end);
  const command = commandOf(args);
  const problems: Problem[] = [];
  if (command !== undefined && !COMMANDS.includes(command)) {
    const instead = COMMAND_HABITS.find(([words]) => words.includes(command.toLowerCase()))?.[1];
    if (instead) {
      problems.push({ field: command, message: `there is no command "${command}"`, hint: `use \`hsts-cluster ${instead}\` (commands: ${COMMANDS.filter((c) => c !== 'help').join(', ')})` });
    } else if (['init', 'new', 'generate'].includes(command)) {
      problems.push({ field: command, message: `there is no command "${command}"`, hint: 'start from inventory.example.json: copy it to inventory.json and edit the nodes' });
    }
  }
  for (const habit of FLAG_HABITS) {
    if (habit.only && (command === undefined || !habit.only.includes(command))) continue;
    const used = options.find((arg) => habit.flags.some((flag) => arg === flag || (flag.startsWith('--') && arg.startsWith(`${flag}=`))));
    if (used) problems.push({ field: used, message: habit.message, hint: habit.hint });
  }
  return problems;
}
