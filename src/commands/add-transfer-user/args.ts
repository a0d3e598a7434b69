import { InvalidArgumentError } from 'commander';
import { HSTS } from '../../hsts/paths.js';
import { UsageError } from '../../util/errors.js';

/** What `--shell` accepts: an absolute path of plain components, like the shells in /etc/shells. */
export const LOGIN_SHELL_RULE = 'must be an absolute path of letters, digits and . _ + - (like /bin/bash), with no empty, . or .. component';

/** `--shell PATH`: the path as given, or InvalidArgumentError (exit 2, naming --shell). */
export function loginShell(value: string): string {
  const plain = /^\/[A-Za-z0-9._+/-]+$/.test(value) && value.slice(1).split('/').every((c) => c !== '' && c !== '.' && c !== '..');
  if (!plain) throw new InvalidArgumentError(`"${value}" ${LOGIN_SHELL_RULE}`);
  return value;
}

export interface ShellOptions {
  create?: boolean;
  shell?: string;
}

/** `--shell` without `--create` names nothing to create: refused (exit 2) before anything loads. */
export function checkShellOption(options: ShellOptions): void {
  if (options.shell !== undefined && !options.create) {
    throw new UsageError([{ field: '--shell', value: options.shell, message: 'applies only with --create (the login shell of the users it creates)', hint: `add --create, or leave --shell out` }]);
  }
}

/** The users to create and their login shell: with --create, --shell or else IBM's aspshell. */
export function createUsersOf(options: ShellOptions): { shell: string } | undefined {
  return options.create ? { shell: options.shell ?? HSTS.aspshell } : undefined;
}
