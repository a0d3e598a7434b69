import type { Service } from '../../hsts/paths.js';
import type { RemoteCommand } from '../../ssh/remote-script.js';
import { shq } from '../../ssh/shell.js';

/** Restarts the services one after the other, in the order given (the procedure's start order). */
export function restartServices(services: readonly Service[]): RemoteCommand {
  return {
    label: `systemctl restart ${services.join(' ')}`,
    code: services.map((s) => `systemctl restart ${shq(s)}`).join(' && '),
  };
}

/**
 * The operator's upgrade command, run by bash as root on the node (the batch runs under sudo). It is
 * the operator's own text: shown as typed in the label, never built from anything secret.
 */
export function operatorCommand(command: string): RemoteCommand {
  return { label: `upgrade --exec ${command}`, code: `bash -c ${shq(command)} 2>&1` };
}
