#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { EXIT, UsageError } from '../util/errors.js';
import { redact } from '../util/secret.js';
import { registerAddTransferUser } from './add-transfer-user.js';
import { registerRollback } from './rollback.js';
import { registerStatus } from './status.js';
import { registerUp } from './up.js';
import { registerVerify } from './verify.js';

const program = new Command('hsts-cluster')
  .description('Turn IBM Aspera HSTS servers into a Redis Sentinel high-availability cluster over SSH')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

let exitCode: number = EXIT.ok;
const setExit = (code: number) => { exitCode = code; };
registerUp(program, setExit);
registerStatus(program, setExit);
registerRollback(program, setExit);
registerAddTransferUser(program, setExit);
registerVerify(program, setExit);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (e instanceof UsageError) {
    for (const problem of e.problems) process.stderr.write(`error: ${redact(problem)}\n`);
    exitCode = EXIT.usage;
  } else {
    process.stderr.write(`error: ${redact((e as Error).stack ?? String(e))}\n`);
    exitCode = EXIT.failed;
  }
}
process.exitCode = exitCode;
