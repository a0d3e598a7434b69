import { doctor, type DoctorReport } from './procedure.js';
import { closeSessions, openSessions } from '../../runner/sessions.js';
import { renderDoctor } from './render.js';
import { EXIT } from '../../util/errors.js';
import type { CommandContext, Outcome } from '../../cli/command.js';
import type { CommonOptions } from '../../cli/options.js';

/** One report; --limit shows those nodes (and decides the exit code from them). */
export async function run(ctx: CommandContext<CommonOptions>): Promise<Outcome> {
  const { inventory } = ctx;
  const { sessions, failures } = await openSessions(inventory, { policy: ctx.connection.hostKeys, forks: ctx.connection.forks });
  try {
    const report = await doctor(inventory, sessions, failures);
    const nodes = ctx.only ? report.nodes.filter((n) => ctx.only!.has(n.name)) : report.nodes;
    const shown: DoctorReport = { nodes, ready: nodes.every((n) => n.refusals.length === 0) };
    return { exitCode: shown.ready ? EXIT.ok : EXIT.failed, json: shown, stdout: renderDoctor(shown) };
  } finally {
    closeSessions(sessions);
  }
}
