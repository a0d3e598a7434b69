import type { RemoteCommand } from '../ssh/remote-script.js';
import { shq } from '../ssh/shell.js';

/** An OS user with a home directory and SHELL as its login shell (a transfer user). */
export function addUser(name: string, shell: string): RemoteCommand {
  return { label: `useradd --create-home --shell ${shell} ${name}`, code: `useradd --create-home --shell ${shq(shell)} ${shq(name)}` };
}

/** Removes an OS user and its home directory (a rollback of `addUser`). */
export function deleteUser(name: string): RemoteCommand {
  return { label: `userdel --remove ${name}`, code: `userdel --remove ${shq(name)} 2>&1` };
}
