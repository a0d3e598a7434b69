import type { HostKeyPolicy } from '../../ssh/connection.js';
import type { CommandResult, RemoteCommand } from '../../ssh/remote-script.js';
import { openSessions } from '../sessions.js';
import type { Run } from './run.js';

export interface ClusterConnectOptions {
  hostKeys: HostKeyPolicy;
  forks: number;
}

/**
 * Connect: one SSH session per node, each command reported as an event. `tag` names the run's
 * remote processes (stopStrayCommand finds an interrupted apply's by it).
 */
export async function connect(run: Run, options: ClusterConnectOptions, tag: string, checks: { checkPrograms: boolean } = { checkPrograms: true }): Promise<void> {
  const onCommand = (node: string, command: RemoteCommand, result?: CommandResult) => {
    if (result) run.emit({ event: 'command-result', node, command: command.label, exitCode: result.exitCode, durationMs: result.durationMs });
    else run.emit({ event: 'command', node, command: command.label });
  };
  const { sessions, failures } = await openSessions(run.inventory, {
    policy: options.hostKeys,
    forks: options.forks,
    checkPrograms: checks.checkPrograms,
    onNewHostKey: (message) => { run.warnings.push(message); run.io.log(message); },
  }, onCommand);
  for (const session of sessions.values()) session.tag = tag;
  run.sessions = sessions;
  run.unreachable = failures;
}

/** Pre-flight: every node must answer before a playbook changes anything. False when one did not. */
export function everyNodeReached(run: Run): boolean {
  if (run.unreachable.size === 0) return true;
  for (const [name, message] of run.unreachable) {
    run.nodeUnreachable(name, message);
    run.emit({ event: 'connect-failed', node: name, error: message });
  }
  for (const name of run.sessions.keys()) run.nodeNotStarted(name);
  run.errors.push('pre-flight failed: not every node could be reached; nothing was changed');
  return false;
}
