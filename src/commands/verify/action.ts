import { ClusterTester, type TestResult } from './cluster-tests.js';
import { closeSessions, openSessions } from '../../runner/sessions.js';
import { EXIT } from '../../util/errors.js';
import { redact } from '../../util/secret.js';
import type { CommandContext, Outcome, OptionsOf } from '../../cli/command.js';
import type { VerifyReport } from '../../cli/json-documents.js';
import type { verify as verifyCommand } from './cli.js';

export type VerifyOptions = OptionsOf<typeof verifyCommand>;

function renderTest(t: TestResult): string {
  const head = `${t.ok ? 'PASS' : 'FAIL'} ${t.name}${t.failoverMs !== undefined ? ` (${t.from} -> ${t.to} in ${t.failoverMs} ms)` : ''}`;
  return redact([head, ...t.details.map((d) => `  ${d}`)].join('\n'));
}

/**
 * The tests asked for, in order, each only after the one before passed. Ctrl-C ends the test that
 * runs (it sets back what it changed: the failback's replica-priority, the replication test's user)
 * and starts no other.
 */
export async function verify(ctx: CommandContext<VerifyOptions>): Promise<Outcome> {
  const { inventory, options, signal } = ctx;
  const wanted = { replication: options.replication ?? !(options.failover || options.failback), failover: Boolean(options.failover), failback: Boolean(options.failback) };
  const { sessions, failures } = await openSessions(inventory, { policy: ctx.connection.hostKeys, forks: ctx.connection.forks });
  const results: TestResult[] = [];
  const outcome = (ok: boolean): Outcome => ({ exitCode: ok ? EXIT.ok : EXIT.failed, json: { tests: results } satisfies VerifyReport });
  try {
    if (failures.size > 0) {
      for (const [name, message] of failures) ctx.log(`${name}: ${message}`);
      return outcome(false);
    }
    const tester = new ClusterTester(inventory, sessions, signal);
    const run = async (test: () => Promise<TestResult>) => {
      if (signal.aborted) return false;
      const result = await test();
      results.push(result);
      ctx.report(`${renderTest(result)}\n`);
      return result.ok;
    };
    let ok = true;
    if (wanted.replication) ok = (await run(() => tester.replication())) && ok;
    if (wanted.failover && ok) ok = (await run(() => tester.failover())) && ok;
    if (wanted.failback && ok) {
      const declared = inventory.nodes.find((n) => n.role === 'primary')!;
      ok = (await run(() => tester.failover(declared))) && ok;
    }
    return outcome(ok);
  } finally {
    closeSessions(sessions);
  }
}
