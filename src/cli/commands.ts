import { addTransferUser } from '../commands/add-transfer-user/cli.js';
import { backup } from '../commands/backup/backup-cli.js';
import type { CommandSpec, StandaloneSpec } from './command.js';
import { completionCommand } from '../commands/completion/cli.js';
import { doctor } from '../commands/doctor/cli.js';
import { inventory } from '../commands/inventory/cli.js';
import { maintenance } from '../commands/maintenance/cli.js';
import { restart } from '../commands/rolling/restart-cli.js';
import { restore } from '../commands/backup/restore-cli.js';
import { rollback } from '../commands/rollback/cli.js';
import { rotatePassword } from '../commands/rotate-password/cli.js';
import { status } from '../commands/status/cli.js';
import { switchover } from '../commands/switchover/cli.js';
import { plan, up } from '../commands/up/cli.js';
import { upgrade } from '../commands/rolling/upgrade-cli.js';
import { verify } from '../commands/verify/cli.js';

/** Every command, in the order --help lists them. A new command is one file and one entry here. */
export const COMMAND_SPECS: (CommandSpec | StandaloneSpec)[] = [
  up, plan, status, rollback, addTransferUser, verify, switchover, maintenance, restart, upgrade, rotatePassword,
  backup, restore, inventory, doctor, completionCommand(() => COMMAND_SPECS),
];
