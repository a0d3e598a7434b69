import type { Inventory } from '../inventory/load.js';
import { addUser } from '../remote/users.js';
import { keystoreChanges, keystoreFiles, storeState } from './keystores.js';
import { HSTS, STORE_RECORD } from '../hsts/paths.js';
import { nodeBasics } from './preflight.js';
import type { Change, NodeFacts, Step } from './types.js';

/** The users add-transfer-user works on: the inventory's transfer users (the new ones included). */
function transferUsers(inventory: Inventory): string[] {
  return inventory.cluster.transferUsers;
}

/**
 * Why the users to create on this node cannot have SHELL as their login shell, or null: it must be
 * an executable regular file there (links followed). IBM's aspshell, the default, comes with HSTS.
 */
function shellProblem(shell: string, users: string[], facts: Pick<NodeFacts, 'shells'>): string | null {
  if (users.length === 0 || facts.shells.get(shell) === true) return null;
  if (shell === HSTS.aspshell) {
    return `aspshell (${HSTS.aspshell}), IBM's restricted shell for transfer users, is not on this node: install it with HSTS, or pass --shell /bin/bash to give the new users a full login shell`;
  }
  return `the login shell ${shell} (--shell) is not an executable file on this node, for the new users ${users.join(', ')}: install it, or pass another --shell`;
}

/**
 * add-transfer-user: the OS user on every node (created only with --create), then its keystore
 * (askmscli -i -u NAME). The Redis password must already be stored (hsts-cluster up did that, and
 * recorded it: askmscli's own store is never read).
 */
export const transferUserKeystores: Step = {
  id: 'transfer-users',
  title: 'Transfer users: OS user and keystore (askmscli -i -u)',
  needs: (inventory, _node, options) => ({
    files: [STORE_RECORD, ...keystoreFiles(transferUsers(inventory))],
    users: transferUsers(inventory),
    // The login shell is looked for only where users may be created (pre-flight: it must be there).
    ...(options.createUsers ? { shells: [options.createUsers.shell] } : {}),
  }),
  check(ctx) {
    const problems = nodeBasics(ctx.facts);
    const state = storeState(ctx);
    if (state !== 'matches') {
      problems.push(state === 'absent'
        ? `hsts-cluster has no record of storing the Redis password with askmscli (${STORE_RECORD}): run hsts-cluster up first`
        : 'the Redis password hsts-cluster last stored with askmscli is not the inventory\'s: run hsts-cluster up first');
    }
    const missing = transferUsers(ctx.inventory).filter((user) => ctx.facts.users.get(user) === false);
    const create = ctx.options.createUsers;
    if (!create) {
      problems.push(...missing.map((user) => `user ${user} does not exist (create it, or pass --create)`));
    } else {
      const shell = shellProblem(create.shell, missing, ctx.facts);
      if (shell) problems.push(shell);
    }
    return problems;
  },
  plan(ctx) {
    const changes: Change[] = [];
    // Without --create a missing user is a pre-flight problem: nothing to create.
    const create = ctx.options.createUsers;
    if (create) {
      for (const user of transferUsers(ctx.inventory)) {
        if (ctx.facts.users.get(user) !== false) continue;
        changes.push({
          step: this.id,
          summary: `create the OS user ${user} (useradd --create-home --shell ${create.shell})`,
          commands: [addUser(user, create.shell)],
          touches: [{ kind: 'user', name: user }],
        });
      }
    }
    return [...changes, ...keystoreChanges(this.id, ctx, transferUsers(ctx.inventory), false)];
  },
};
