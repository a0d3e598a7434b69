import { posix } from 'node:path';
import { directiveArgs } from '../hsts/conf-lines.js';
import { RDB_PATH, RDB_PATH_PUNCTUATION, redisKeyOf } from '../hsts/redis-conf.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { shq } from '../ssh/shell.js';
import { asredisCode, passwordInput } from '../remote/redis-cli.js';
import { REMOVE_FUNCTION, safeCopyCode } from '../remote/safe-files.js';
import type { Target } from './facts.js';

/**
 * A node that becomes a replica gives up its own dataset: its first sync replaces it with the
 * primary's, in memory and in its RDB file. Before the run's first change that RDB is copied into the
 * run directory (root only), so that a rollback puts the dataset back along with the configuration.
 * Both copies go through remote/safe-files.ts: no link followed, no fixed temporary name.
 */

/** The RDB file a Redis started from this file writes: `dir` (systemd starts it in /) and `dbfilename`. */
export function rdbPath(redisConfText: string | null): string {
  // Redis applies its file's lines in order: the last `dir` and `dbfilename` are the ones it uses
  // (as the RDB head probe's awk reads them).
  const dir = directiveArgs(redisConfText, redisKeyOf, 'dir').at(-1)?.[1] ?? '/';
  const name = directiveArgs(redisConfText, redisKeyOf, 'dbfilename').at(-1)?.[1] ?? 'dump.rdb';
  return posix.resolve('/', dir, name);
}

/**
 * Where the RDB is comes from aspera_31415.conf (`dir`, `dbfilename`), a file the noded user can
 * write: root copies it, and copies it back, only where that user writes it anyway: a directory the
 * noded user owns, and a file that is the noded user's when it exists. `dir /etc` with
 * `dbfilename shadow` is refused, so a rollback cannot put an old /etc/shadow back. The directory is
 * entered once (`cd -P`) and judged as entered, and every later use names the file relative to it
 * (`rdbHere`): a swap of the directory for a link after the check changes nothing. How it was
 * reached does not matter (`/opt` a link to a larger disk): wherever the links on the way lead, the
 * directory entered is one the noded user owns.
 */
export function rdbPlaceCheck(rdb: string, nodedUser: string): string {
  const dir = posix.dirname(rdb);
  const refuse = (why: string) => `{ echo ${shq(`Redis's dataset ${rdb}: ${why}; refused (root copies the RDB only where ${nodedUser}, who writes it, could)`)}; exit 1; }`;
  // Every later use quotes the path, but the path is the noded user's text: one without shell or
  // bash syntax in it (newlines, quotes, $, braces) cannot carry anything into a command.
  if (!RDB_PATH.test(rdb)) return refuse(`its path holds characters other than letters, digits and ${RDB_PATH_PUNCTUATION}`);
  const here = rdbHere(rdb);
  return [
    `cd -P -- ${shq(dir)} 2>/dev/null || ${refuse('its directory is missing')}`,
    `[ "$(stat -c %U .)" = ${shq(nodedUser)} ] || ${refuse(`its directory is not ${nodedUser}'s`)}`,
    `if [ -e ${shq(here)} ] || [ -L ${shq(here)} ]; then [ "$(stat -c %U -- ${shq(here)})" = ${shq(nodedUser)} ] || ${refuse(`the file is not ${nodedUser}'s`)}; fi`,
  ].join('\n');
}

/** The RDB as the commands after rdbPlaceCheck name it: relative to the directory the check entered. */
export function rdbHere(rdb: string): string {
  return `./${posix.basename(rdb)}`;
}

/**
 * SAVE (when Redis runs, so that the file holds what it has in memory; null: the file is the
 * dataset), then copy the file, or note its absence.
 */
export function saveRedisDataCommand(runDir: string, rdb: string, running: Target | null, nodedUser: string): RemoteCommand {
  const saved = `${runDir}/redis.rdb`;
  const save = running
    ? [`out=$(${asredisCode(running, ['SAVE'], { timeoutS: 300 })})`, '[ "$out" = OK ] || { echo "Redis SAVE: $out"; exit 1; }']
    : [];
  return {
    label: `keep Redis's dataset: ${running ? 'SAVE, then ' : ''}copy ${rdb} to ${saved}`,
    code: [
      rdbPlaceCheck(rdb, nodedUser),
      ...save,
      `rm -f ${shq(saved)} ${shq(`${saved}.absent`)}`,
      // Redis's directory is the noded user's: the RDB is read only as a regular file, never through a link.
      safeCopyCode({ from: rdbHere(rdb), to: saved, maxBytes: null, whenAbsent: `: > ${shq(`${saved}.absent`)}`, sourceOwner: nodedUser, fitsDestination: true }),
    ].join('\n'),
    ...(running ? { inputs: passwordInput(running) } : {}),
  };
}

/** Puts the saved dataset back (Redis must be stopped, or it would write its own over it). */
export function putBackRedisDataCommand(runDir: string, rdb: string, nodedUser: string): RemoteCommand {
  const saved = `${runDir}/redis.rdb`;
  return {
    label: `restore Redis's dataset ${rdb} from ${saved}`,
    // Written as a new file renamed onto the RDB (a random name in Redis's directory, which the
    // noded user owns), with the saved copy's owner and mode.
    // The saved copy must be the noded user's, as the file it came from was: one that is not (saved
    // by an older hsts-cluster from a directory swapped meanwhile) is refused, not written as root's.
    code: [rdbPlaceCheck(rdb, nodedUser), REMOVE_FUNCTION, safeCopyCode({
      from: saved, to: rdbHere(rdb), maxBytes: null, sourceOwner: nodedUser,
      whenAbsent: `if [ -e ${shq(`${saved}.absent`)} ]; then __remove ${shq(rdbHere(rdb))} ${shq(nodedUser)} || { echo ${shq(`${rdb}: not removed`)}; exit 1; }; else echo ${shq(`no dataset was saved in ${runDir}`)}; exit 1; fi`,
    })].join('\n'),
  };
}
