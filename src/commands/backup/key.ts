/**
 * The cluster's backup key: 32 random bytes, hex, root-only in hsts-cluster's state directory on
 * every node (the same key everywhere). `backup` signs its archive with it (archive.ts) and
 * `restore` checks the signature with it before it loads anything. Only root on the nodes holds it
 * (and the operator, who can read it there as root); it never reaches the controller's disk, an
 * archive, a log or argv. The first backup generates it and writes it to every node; a node without
 * it gets it from the others on the next backup.
 */
import { randomBytes } from 'node:crypto';
import { HSTS } from '../../hsts/paths.js';
import type { RemoteCommand } from '../../ssh/remote-script.js';
import { shq } from '../../ssh/shell.js';
import { Secret } from '../../util/secret.js';

export const BACKUP_KEY = `${HSTS.stateDir}/backup.key`;
const KEY_HEX = /^[0-9a-f]{64}$/;

/**
 * The key's hex on one line, or an empty line when there is none. Only a regular root-owned file of
 * mode 0600 is read (not a link: the check and the read are on the same path in the root-only
 * state directory); anything else is refused with the reason.
 */
export function readBackupKey(): RemoteCommand {
  const f = shq(BACKUP_KEY);
  return {
    label: `read the backup key (${BACKUP_KEY})`,
    code: [
      `if [ -e ${f} ] || [ -L ${f} ]; then`,
      `  [ ! -L ${f} ] && [ -f ${f} ] && [ "$(stat -c '%u %a' ${f})" = '0 600' ] || { echo ${shq(`refused: ${BACKUP_KEY} is not a regular root-owned file of mode 0600`)}; exit 1; }`,
      `  head -c 65 ${f} | tr -d '\\n'`,
      'fi',
      'echo',
    ].join('\n'),
  };
}

/** The key read back; null when the node has none; an Error when what it holds is no key. */
export function parseBackupKey(output: string): Secret | null | Error {
  const line = output.trim();
  if (line === '') return null;
  return KEY_HEX.test(line) ? new Secret(line) : new Error(`${BACKUP_KEY} holds no key (64 hex digits expected)`);
}

/** Writes the key root-only through a temporary name in the state directory, then renames it. */
export function writeBackupKey(key: Secret): RemoteCommand {
  const dir = shq(HSTS.stateDir);
  return {
    label: `write the backup key (${BACKUP_KEY}, root only)`,
    code: [
      `[ -d ${dir} ] && [ ! -L ${dir} ] && [ "$(stat -c %u ${dir})" = 0 ] || { echo ${shq(`${HSTS.stateDir} is not a root-owned directory: run hsts-cluster up first`)}; exit 1; }`,
      `tmp=$(umask 077 && mktemp ${shq(`${HSTS.stateDir}/.backup.key.XXXXXX`)}) || exit 1`,
      `cat "$IN/key" > "$tmp" && chmod 600 "$tmp" && mv -f -T "$tmp" ${shq(BACKUP_KEY)} || { rm -f "$tmp"; exit 1; }`,
    ].join('\n'),
    inputs: { key },
  };
}

export const newBackupKey = () => new Secret(randomBytes(32).toString('hex'));

export const keyBytes = (key: Secret) => Buffer.from(key.reveal(), 'hex');

/**
 * What the backup does with the keys the nodes hold (null: none): use the one key they share and
 * write it where it is missing, generate one when none holds any, or refuse when they differ.
 */
export type KeyDecision =
  | { kind: 'use'; key: Secret; writeTo: string[] }
  | { kind: 'generate'; writeTo: string[] }
  | { kind: 'refuse'; reason: string };

export function decideBackupKey(held: { node: string; key: Secret | null }[]): KeyDecision {
  const distinct = [...new Set(held.flatMap((h) => (h.key ? [h.key.reveal()] : [])))];
  const missing = held.filter((h) => !h.key).map((h) => h.node);
  if (distinct.length === 0) return { kind: 'generate', writeTo: held.map((h) => h.node) };
  if (distinct.length === 1) return { kind: 'use', key: held.find((h) => h.key)!.key!, writeTo: missing };
  const groups = distinct.map((k, i) => `key ${i + 1}: ${held.filter((h) => h.key?.reveal() === k).map((h) => h.node).join(', ')}`);
  return {
    kind: 'refuse',
    reason: `the nodes hold different backup keys (${groups.join('; ')}): keep the one that signed your archives and remove ${BACKUP_KEY} on the other nodes (the next backup copies it there)`,
  };
}
