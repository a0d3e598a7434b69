import type { RemoteCommand } from '../ssh/remote-script.js';
import { defineRead, packedBytes, packedText } from '../util/packed.js';

/**
 * A command as it is held until it is sent, and while its node works: its long code and inputs
 * deflated (util/packed.ts), read as before. At hundreds of nodes every node's Sentinel file, rules
 * and aspera.conf commands list every node, and each file write or copy carries the safe-file
 * functions: the plan held as built was about 100 MB of a 501-node cold up's peak.
 */
export function heldCommand(command: RemoteCommand): RemoteCommand {
  const code = packedText(command.code);
  const held: RemoteCommand = { label: command.label, get code() { return code(); } };
  if (command.inputs) {
    const inputs: NonNullable<RemoteCommand['inputs']> = {};
    for (const [name, value] of Object.entries(command.inputs)) {
      if (typeof value === 'string') defineRead(inputs, name, packedText(value));
      else if (Buffer.isBuffer(value)) defineRead(inputs, name, packedBytes(value));
      else inputs[name] = value;
    }
    held.inputs = inputs;
  }
  return held;
}
