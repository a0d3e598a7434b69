import { newSalt, recordState, renderRecord, type RecordState } from '../hsts/askms-record.js';
import { HSTS, STORE_RECORD, keystoreRecordPath, localKeystoreCandidates } from '../hsts/paths.js';
import { initKeystore, rootStoreCheckCommand, storeRedisPassword } from '../remote/askmscli.js';
import { inStateDir } from '../remote/state-dir.js';
import type { RemoteCommand } from '../ssh/remote-script.js';
import { fileFact, writeFileCommand } from './common.js';
import { hstsUsers } from './preflight.js';
import type { Change, PlanContext, Step } from './types.js';

/*
 * askmscli's stores are IBM's, encrypted, and their place and format may change between versions:
 * hsts-cluster never reads them. It decides what to (re)run from its own record on the node (a
 * salted scrypt hash of the password it last handed to askmscli, see hsts/askms-record.ts), writes
 * that record only after askmscli succeeded, and proves the result in the verify step: asperanoded,
 * run by the noded user, reaches Redis through that user's keystore. The store files are touched as
 * opaque files: never read into the facts, copied on the node by the snapshot batch of a node that
 * changes, so that a rollback puts them back.
 */

const NO_RECORD = 'no record of what askmscli holds: run once';

// One salt per run: every record a run writes, on every node, shares it, so that checking them on
// the next run costs one scrypt for the whole cluster (hsts/askms-record.ts memoizes by salt), not
// one per node. The records say only what the nodes already share: the same password.
const runSalts = new WeakMap<PlanContext['inventory']['cluster'], Buffer>();
function runSalt(cluster: PlanContext['inventory']['cluster']): Buffer {
  let salt = runSalts.get(cluster);
  if (!salt) runSalts.set(cluster, (salt = newSalt()));
  return salt;
}

function recordCommand(ctx: PlanContext, path: string): RemoteCommand {
  const write = writeFileCommand({
    path, content: renderRecord(ctx.inventory.cluster.redisPassword.reveal(), runSalt(ctx.inventory.cluster)), owner: 'root', group: 'root', mode: '600',
  });
  return inStateDir({ label: `record in ${path} what askmscli now holds (salted scrypt hash)`, code: write.code, inputs: write.inputs });
}

export function storeState(ctx: PlanContext): RecordState {
  return recordState(fileFact(ctx, STORE_RECORD).content, ctx.inventory.cluster.redisPassword.reveal());
}

/** Why the Redis password must be stored again, or null when hsts-cluster's record says it is. */
export function storeReason(state: RecordState): string | null {
  if (state === 'matches') return null;
  return state === 'absent' ? NO_RECORD : 'the inventory\'s password is not the one hsts-cluster last stored';
}

/** Why USER's keystore must be made again, or null when it need not. */
export function keystoreReason(state: RecordState, storeRenewed: boolean): string | null {
  if (storeRenewed) return 'the Redis password is stored again';
  if (state === 'matches') return null;
  return state === 'absent' ? NO_RECORD : 'it was made with another password';
}

/** askmscli -i -u USER for each user whose keystore hsts-cluster has no current record of. */
export function keystoreChanges(step: string, ctx: PlanContext, users: string[], storeRenewed: boolean): Change[] {
  const { cluster } = ctx.inventory;
  const changes: Change[] = [];
  for (const user of users) {
    const record = keystoreRecordPath(user);
    const reason = keystoreReason(recordState(fileFact(ctx, record).content, cluster.redisPassword.reveal()), storeRenewed);
    if (reason === null) continue;
    const stores = localKeystoreCandidates(user);
    const change: Change = {
      step,
      summary: `make the keystore of ${user} (askmscli -i -u ${user}): ${reason}`,
      diff: `# ${stores.join(' or ')}: made by askmscli -i -u ${user} (encrypted; not shown)\n# ${record}: updated (salted scrypt hash)\n`,
      commands: [initKeystore(user), recordCommand(ctx, record)],
      // Every place askmscli may write: the snapshot keeps the present ones and notes the absent ones.
      // The user too: a rollback's snapshot check admits a user's stores and record only with the user named.
      touches: [...stores.map((path) => ({ kind: 'opaque-file' as const, path })), { kind: 'file', path: record }, { kind: 'user', name: user }],
    };
    if (user === cluster.nodedUser) change.restarts = ['asperanoded', 'asperarund'];
    changes.push(change);
  }
  return changes;
}

/**
 * Every file the keystores step may touch on a node for these users: askmscli's stores (opaque) and
 * hsts-cluster's records of them. A snapshot read back from a node names no other store or record
 * (runner/snapshot-check.ts asks this function too).
 */
export function keystorePaths(users: string[]): { stores: string[]; records: string[] } {
  return { stores: [HSTS.rootKeystore, ...users.flatMap(localKeystoreCandidates)], records: [STORE_RECORD, ...keystoreFiles(users)] };
}

/**
 * The files the keystore decisions read: hsts-cluster's records of the users' keystores. The
 * keystores themselves are not read (see the `opaque-file` touches above).
 */
export function keystoreFiles(users: string[]): string[] {
  return users.map(keystoreRecordPath);
}

/**
 * askmscli: the Redis password (on stdin, never in argv), then a keystore for the user that runs
 * asperanoded and for every transfer user the inventory lists. A keystore holds a copy of the password it was
 * made with, so every keystore is made again when the password is stored again.
 */
export const keystores: Step = {
  id: 'keystores',
  title: 'askmscli: Redis password and keystores',
  needs: (inventory) => ({
    files: keystorePaths(hstsUsers(inventory)).records,
    users: hstsUsers(inventory),
  }),
  plan(ctx) {
    const { cluster } = ctx.inventory;
    const changes: Change[] = [];
    const reason = storeReason(storeState(ctx));
    if (reason !== null) {
      changes.push({
        step: this.id,
        summary: `store the Redis password (askmscli -s redis-password): ${reason}`,
        diff: `# ${HSTS.rootKeystore}: redis-password set by askmscli (encrypted; not shown)\n# ${STORE_RECORD}: updated (salted scrypt hash)\n`,
        commands: [storeRedisPassword(cluster.redisPassword), rootStoreCheckCommand(), recordCommand(ctx, STORE_RECORD)],
        touches: [{ kind: 'opaque-file', path: HSTS.rootKeystore }, { kind: 'file', path: STORE_RECORD }],
        restarts: ['asperanoded', 'asperarund'],
      });
    }
    changes.push(...keystoreChanges(this.id, ctx, hstsUsers(ctx.inventory), reason !== null));
    return changes;
  },
};
