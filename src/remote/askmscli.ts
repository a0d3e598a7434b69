import { HSTS } from '../hsts/paths.js';
import { shq } from '../ssh/shell.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import type { Secret } from '../util/secret.js';

/** `askmscli -s redis-password`: the password on askmscli's stdin, never in argv. */
export function storeRedisPassword(password: Secret | string): RemoteCommand {
  return {
    label: 'askmscli -s redis-password < (password on stdin)',
    code: `${HSTS.askmscli} -s redis-password < "$IN/pw"`,
    inputs: { pw: password },
  };
}

/** `askmscli -i -u USER`: USER's keystore, made from the stored Redis password. */
export function initKeystore(user: string): RemoteCommand {
  return { label: `askmscli -i -u ${user}`, code: `${HSTS.askmscli} -i -u ${shq(user)}` };
}
