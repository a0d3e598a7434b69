import { HSTS } from '../hsts/paths.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { shq } from '../ssh/shell.js';

/** `asconfigurator -x ARG`: one aspera.conf setting, e.g. "set_server_data;db_port,41415". */
export function asconfigurator(arg: string): RemoteCommand {
  return { label: `asconfigurator -x ${shq(arg)}`, code: `${HSTS.asconfigurator} -x ${shq(arg)}` };
}

/** Fails naming the first element aspera.conf does not hold, character for character. */
export function asperaConfHolds(elements: string[]): RemoteCommand {
  return {
    label: `check <server> in ${HSTS.asperaConf}`,
    code: elements.map((element) =>
      `grep -qF ${shq(element)} ${HSTS.asperaConf} || { echo "aspera.conf does not read back ${element}"; exit 1; }`).join('\n'),
  };
}
