import { EXIT } from '../../util/errors.js';
import type { CommandContext, Outcome } from '../command.js';
import { describeTarget } from '../load.js';

/**
 * The inventory was loaded and checked whole by the wrapper (a problem ends in exit 2 before this
 * runs), without opening a connection: what is left is to say what it resolved to.
 */
export function checkInventory(ctx: CommandContext): Outcome {
  const { inventory } = ctx;
  const nodes = inventory.nodes.map((n) => ({
    name: n.name,
    role: n.role,
    privateIp: n.privateIp,
    ssh: { host: n.ssh.host, port: n.ssh.port, user: n.ssh.user, ...(n.ssh.jumpHost ? { jumpHost: `${n.ssh.jumpHost.user}@${n.ssh.jumpHost.host}:${n.ssh.jumpHost.port}` } : {}) },
  }));
  const lines = [
    `${inventory.path}: valid (${nodes.length} nodes, quorum ${inventory.cluster.quorum}, primary set ${inventory.cluster.primarySet}); no connection was opened`,
    ...inventory.nodes.map((n) => `  ${n.role.padEnd(7)} ${describeTarget(n)}`),
  ];
  return { exitCode: EXIT.ok, json: { valid: true, path: inventory.path, quorum: inventory.cluster.quorum, nodes }, stdout: `${lines.join('\n')}\n` };
}
