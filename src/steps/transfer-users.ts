import type { Inventory } from '../inventory/load.js';
import { addUser } from '../remote/users.js';
import { keystoreChanges, keystoreFiles, storeState } from './keystores.js';
import { STORE_RECORD } from '../hsts/paths.js';
import { nodeBasics } from './preflight.js';
import type { Change, Step } from './types.js';

/** The users add-transfer-user works on: the inventory's transfer users (the new ones included). */
function transferUsers(inventory: Inventory): string[] {
  return inventory.cluster.transferUsers;
}

/**
 * add-transfer-user: the OS user on every node (created only with --create), then its keystore
 * (askmscli -i -u NAME). The Redis password must already be stored (hsts-cluster up did that, and
 * recorded it: askmscli's own store is never read).
 */
export const transferUserKeystores: Step = {
  id: 'transfer-users',
  title: 'Transfer users: OS user and keystore (askmscli -i -u)',
  needs: (inventory) => ({
    files: [STORE_RECORD, ...keystoreFiles(transferUsers(inventory))],
    users: transferUsers(inventory),
  }),
  check(ctx) {
    const problems = nodeBasics(ctx.facts);
    const state = storeState(ctx);
    if (state !== 'matches') {
      problems.push(state === 'absent'
        ? `hsts-cluster has no record of storing the Redis password with askmscli (${STORE_RECORD}): run hsts-cluster up first`
        : 'the Redis password hsts-cluster last stored with askmscli is not the inventory\'s: run hsts-cluster up first');
    }
    if (!ctx.options.createUsers) {
      for (const user of transferUsers(ctx.inventory)) {
        if (ctx.facts.users.get(user) === false) problems.push(`user ${user} does not exist (create it, or pass --create)`);
      }
    }
    return problems;
  },
  plan(ctx) {
    const changes: Change[] = [];
    for (const user of transferUsers(ctx.inventory)) {
      if (ctx.facts.users.get(user) !== false) continue;
      changes.push({
        step: this.id,
        summary: `create the OS user ${user} (useradd --create-home)`,
        commands: [addUser(user)],
        touches: [{ kind: 'user', name: user }],
      });
    }
    return [...changes, ...keystoreChanges(this.id, ctx, transferUsers(ctx.inventory), false)];
  },
};
