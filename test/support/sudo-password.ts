import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SUDO_USER, type Rig } from '../rig/rig.js';

/** The password the rig's sudo user is given while a test needs sudo to ask for one. */
export const SUDO_PASSWORD = 'a-password';

/**
 * Node `index`'s sudo asks the rig's sudo user for a password from here on. Returns an inventory
 * that gives it (a secret file beside the inventory, so on stdin, never argv) and the undo, which
 * a test calls in `finally`.
 */
export async function requireSudoPassword(rig: Rig, index: number): Promise<{ inventoryPath: string; restore(): Promise<void> }> {
  await rig.sh(index, `sed -i 's/NOPASSWD: //' /etc/sudoers.d/${SUDO_USER} && echo '${SUDO_USER}:${SUDO_PASSWORD}' | chpasswd`);
  writeFileSync(join(rig.dir, 'sudo-password'), `${SUDO_PASSWORD}\n`, { mode: 0o600 });
  const inventoryPath = rig.writeInventory('inventory-sudo-password.json', {
    ...rig.inventory,
    nodes: rig.inventory.nodes.map((n, i) => (i === index ? { ...n, ssh: { ...n.ssh, sudoPassword: { file: 'sudo-password' } } } : n)),
  });
  return {
    inventoryPath,
    restore: async () => {
      await rig.sh(index, `sed -i 's/ALL=(ALL:ALL) ALL/ALL=(ALL:ALL) NOPASSWD: ALL/' /etc/sudoers.d/${SUDO_USER}`);
    },
  };
}
