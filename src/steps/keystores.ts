import { HSTS, keystorePath } from '../hsts/paths.js';
import { shq } from '../ssh/shell.js';
import { fileFact } from './common.js';
import { hstsUsers } from './preflight.js';
import type { Change, PlanContext, Step } from './types.js';

/** askmscli -i -u USER for each user whose keystore is missing, stale, or not theirs alone. */
export function keystoreChanges(step: string, ctx: PlanContext, users: string[], storeChanges: boolean): Change[] {
  const { cluster } = ctx.inventory;
  const password = Buffer.from(cluster.redisPassword.reveal());
  const changes: Change[] = [];
  for (const user of users) {
    const keystore = fileFact(ctx, keystorePath(user));
    const current = !storeChanges && keystore.content?.equals(password) && keystore.owner === user && keystore.mode === '600';
    if (current) continue;
    const change: Change = {
      step,
      summary: `${keystore.content === null ? 'initialize' : 'renew'} the keystore of ${user} (askmscli -i -u ${user})`,
      diff: `# ${keystorePath(user)}: ${keystore.content === null ? 'created' : 'renewed'} (secret not shown)\n`,
      commands: [{ label: `askmscli -i -u ${user}`, code: `${HSTS.askmscli} -i -u ${shq(user)}` }],
      touches: [{ kind: 'file', path: keystorePath(user) }],
    };
    if (user === cluster.nodedUser) change.restarts = ['asperanoded', 'asperarund'];
    changes.push(change);
  }
  return changes;
}

/**
 * askmscli: the Redis password (on stdin, never in argv), then a keystore for the user that runs
 * asperanoded, for xfer and for every transfer user. A keystore holds the password it was made
 * with, so a keystore made before the password changed is made again.
 */
export const keystores: Step = {
  id: 'keystores',
  title: 'askmscli: Redis password and keystores',
  needs: (inventory) => ({
    files: [HSTS.redisPasswordStore, ...hstsUsers(inventory).map(keystorePath)],
    users: hstsUsers(inventory),
  }),
  plan(ctx) {
    const { cluster } = ctx.inventory;
    const password = Buffer.from(cluster.redisPassword.reveal());
    const changes: Change[] = [];
    const store = fileFact(ctx, HSTS.redisPasswordStore);
    const storeChanges = !store.content?.equals(password);
    if (storeChanges) {
      changes.push({
        step: this.id,
        summary: 'store the Redis password (askmscli -s redis-password)',
        diff: `# ${HSTS.redisPasswordStore}: ${store.content === null ? 'set' : 'replaced'} (secret not shown)\n`,
        commands: [{
          label: 'askmscli -s redis-password < (password on stdin)',
          code: `${HSTS.askmscli} -s redis-password < "$IN/pw"`,
          inputs: { pw: cluster.redisPassword },
        }],
        touches: [{ kind: 'file', path: HSTS.redisPasswordStore }],
        restarts: ['asperanoded', 'asperarund'],
      });
    }
    changes.push(...keystoreChanges(this.id, ctx, hstsUsers(ctx.inventory), storeChanges));
    return changes;
  },
};
