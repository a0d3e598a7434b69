import { ClusterTester, type TestResult } from '../../runner/cluster-tests.js';
import { closeSessions, openSessions } from '../../runner/sessions.js';
import { renderJson } from '../../ui/render.js';
import { EXIT } from '../../util/errors.js';
import { redact } from '../../util/secret.js';
import { load } from '../load.js';
import { log, type CommonOptions } from '../options.js';

export interface VerifyOptions extends CommonOptions {
  replication?: boolean;
  failover?: boolean;
  failback?: boolean;
}

function renderTest(t: TestResult): string {
  const head = `${t.ok ? 'PASS' : 'FAIL'} ${t.name}${t.failoverMs !== undefined ? ` (${t.from} -> ${t.to} in ${t.failoverMs} ms)` : ''}`;
  return redact([head, ...t.details.map((d) => `  ${d}`)].join('\n'));
}

export async function verify(options: VerifyOptions, setExit: (code: number) => void): Promise<void> {
  const inventory = load(options, false);
  const wanted = { replication: options.replication ?? !(options.failover || options.failback), failover: Boolean(options.failover), failback: Boolean(options.failback) };
  const { sessions, failures } = await openSessions(inventory, {
    policy: options.acceptNewHostKeys ? 'accept-new' : 'strict',
    forks: options.forks ?? inventory.nodes.length,
  });
  const results: TestResult[] = [];
  // One JSON document on stdout: the tests' results, unless the command fails with an error, which
  // main.ts then prints as JSON instead.
  try {
    if (failures.size > 0) {
      for (const [name, message] of failures) log(`${name}: ${message}`);
      setExit(EXIT.failed);
      if (options.json) process.stdout.write(renderJson({ tests: results }));
      return;
    }
    const tester = new ClusterTester(inventory, sessions);
    const run = async (test: () => Promise<TestResult>) => {
      const result = await test();
      results.push(result);
      process.stderr.write(`${renderTest(result)}\n`);
      return result.ok;
    };
    let ok = true;
    if (wanted.replication) ok = (await run(() => tester.replication())) && ok;
    if (wanted.failover && ok) ok = (await run(() => tester.failover())) && ok;
    if (wanted.failback && ok) {
      const declared = inventory.nodes.find((n) => n.role === 'primary')!;
      ok = (await run(() => tester.failover(declared))) && ok;
    }
    setExit(ok ? EXIT.ok : EXIT.failed);
    if (options.json) process.stdout.write(renderJson({ tests: results }));
  } finally {
    closeSessions(sessions);
  }
}
