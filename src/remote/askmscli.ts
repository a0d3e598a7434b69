import { HSTS, localKeystoreCandidates } from '../hsts/paths.js';
import { shPath, shq } from '../ssh/shell.js';
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

/**
 * Refuses (prints why, fails) when a place askmscli may write a store at, or the directory it would
 * be in, is a link or no regular file: askmscli runs as root and opens the store by name, in a home
 * its user owns, and that user could point the name at /etc/ld.so.preload after the snapshot. Run in
 * the same command as askmscli, right before it. It narrows the window, it does not close it: the
 * user can watch `ps` for askmscli and plant the link between this check and askmscli's open
 * (docs/SECURITY.md, known limits).
 */
export function keystorePlacesGuard(places: string[]): string {
  return places.map((place) => {
    const dir = place.slice(0, place.lastIndexOf('/'));
    const check = (path: string, kind: 'file' | 'directory') => `if [ -L ${shPath(path)} ] || { [ -e ${shPath(path)} ] && [ ! ${kind === 'file' ? '-f' : '-d'} ${shPath(path)} ]; }; then ` +
      `echo ${shq(`${path} is a link or not a ${kind === 'file' ? 'regular file' : 'directory'}: askmscli not run as root there`)}; exit 1; fi`;
    return [...(/^~[^/]+$/.test(dir) ? [] : [check(dir, 'directory')]), check(place, 'file')].join('\n');
  }).join('\n');
}

/** `askmscli -i -u USER`: USER's keystore, made from the stored Redis password, after the guard above. */
export function initKeystore(user: string): RemoteCommand {
  return { label: `askmscli -i -u ${user}`, code: `${keystorePlacesGuard(localKeystoreCandidates(user))}\n${HSTS.askmscli} -i -u ${shq(user)}` };
}
