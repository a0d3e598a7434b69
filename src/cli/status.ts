import type { Command } from 'commander';
import { clusterStatus } from '../runner/status.js';
import { closeSessions, openSessions } from '../runner/sessions.js';
import { renderJson } from '../ui/render.js';
import { renderStatus } from '../ui/status.js';
import { EXIT } from '../util/errors.js';
import { interruptSignal, load, wholeNumber, withCommonOptions, type CommonOptions } from './options.js';

interface StatusOptions extends CommonOptions {
  watch?: number;
}

export function registerStatus(program: Command, setExit: (code: number) => void): void {
  withCommonOptions(program.command('status'))
    .description('per node: services, Redis role and link, lag, what each Sentinel says, quorum, asperanoded; then a verdict (exit 0 only when healthy)')
    .option('--watch <seconds>', 'repeat every N seconds until Ctrl-C', wholeNumber(1, 3600))
    .action(async (options: StatusOptions) => {
      const inventory = load(options);
      const { sessions, failures } = await openSessions(inventory, {
        policy: options.acceptNewHostKeys ? 'accept-new' : 'strict',
        forks: options.forks ?? inventory.nodes.length,
      });
      const interrupt = interruptSignal();
      try {
        for (;;) {
          const health = await clusterStatus(inventory, sessions, failures);
          if (options.json) process.stdout.write(renderJson(health));
          else process.stdout.write(`${options.watch ? `\n${new Date().toISOString()}\n` : ''}${renderStatus(health)}`);
          setExit(health.verdict === 'healthy' ? EXIT.ok : EXIT.failed);
          if (!options.watch || interrupt.signal.aborted) break;
          await new Promise((r) => { const t = setTimeout(r, options.watch! * 1000); interrupt.signal.addEventListener('abort', () => { clearTimeout(t); r(undefined); }); });
          if (interrupt.signal.aborted) break;
        }
      } finally {
        interrupt.dispose();
        closeSessions(sessions);
      }
    });
}
