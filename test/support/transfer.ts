import type { Rig, RigNode } from '../rig/rig.js';
import { eventually } from './cluster.js';

export interface Transfer {
  /** The command line `pgrep -a` shows for it. */
  commandLine: string;
  /** Ends the transfer and waits (bounded) until no ascp runs on the node. */
  end(): Promise<void>;
}

/**
 * Starts a simulated transfer (a process named ascp) on a node, and returns once it runs: it lasts
 * until the test ends it, however slow the machine.
 */
export async function startTransfer(rig: Rig, node: RigNode | number, name = 'transfer'): Promise<Transfer> {
  const until = `/tmp/hsts-test-${name}`;
  const commandLine = `/opt/aspera/bin/ascp --simulate-until ${until}`;
  const started = await rig.sh(node, `touch ${until} && setsid ${commandLine} >/dev/null 2>&1 < /dev/null &`);
  if (started.exitCode !== 0) throw new Error(`could not start a transfer: ${started.output}`);
  const running = await eventually(() => rig.sh(node, 'pgrep -a -x ascp'), (r) => r.output.includes(until), 60);
  if (!running.output.includes(until)) throw new Error(`the simulated transfer did not start: ${running.output}`);
  return {
    commandLine,
    async end() {
      await rig.sh(node, `rm -f ${until}`);
      const gone = await eventually(() => rig.sh(node, 'pgrep -a -x ascp'), (r) => r.exitCode !== 0, 60);
      if (gone.exitCode === 0) throw new Error(`the simulated transfer did not end: ${gone.output}`);
    },
  };
}
