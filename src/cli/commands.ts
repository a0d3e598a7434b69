import { addTransferUser } from './add-transfer-user.js';
import { backup } from './backup.js';
import type { CommandSpec } from './command.js';
import { restore } from './restore.js';
import { rollback } from './rollback.js';
import { status } from './status.js';
import { switchover } from './switchover.js';
import { plan, up } from './up.js';
import { verify } from './verify.js';

/** Every command, in the order --help lists them. A new command is one file and one entry here. */
export const COMMAND_SPECS: CommandSpec[] = [up, plan, status, rollback, addTransferUser, verify, switchover, backup, restore];
