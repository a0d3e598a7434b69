import { Listr, ListrLogger, PRESET_TIMER, ProcessOutput } from 'listr2';

export interface NodeTaskResult {
  status: 'ok' | 'changed';
  detail?: string;
}

export interface NodeTask {
  node: string;
  run(): Promise<NodeTaskResult>;
}

export interface NodeTaskOutcome {
  node: string;
  result?: NodeTaskResult;
  error?: Error;
}

export type ProgressMode = 'tty' | 'plain';

/**
 * listr2 progress on stderr: one task per phase, a subtask per node, the nodes in parallel.
 * A failure never throws out of here: the caller gets every node's outcome and decides.
 */
export class Progress {
  private readonly logger = new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) });

  constructor(private readonly mode: ProgressMode) {}

  async phase(title: string, tasks: NodeTask[]): Promise<NodeTaskOutcome[]> {
    const outcomes: NodeTaskOutcome[] = [];
    const run = async (t: NodeTask, task?: { title: string }) => {
      try {
        const result = await t.run();
        outcomes.push({ node: t.node, result });
        if (task) task.title = `${t.node}: ${result.status}${result.detail ? ` (${result.detail})` : ''}`;
      } catch (e) {
        outcomes.push({ node: t.node, error: e as Error });
        if (task) task.title = `${t.node}: FAILED`;
        throw e;
      }
    };
    const list = new Listr([{
      title,
      task: (_ctx, task) => task.newListr(
        tasks.map((t) => ({ title: t.node, task: (_c: unknown, sub: { title: string }) => run(t, sub) })),
        { concurrent: true, exitOnError: false },
      ),
    }], {
      exitOnError: false,
      registerSignalListeners: false,
      renderer: this.mode === 'tty' ? 'default' : 'simple',
      fallbackRenderer: 'simple',
      rendererOptions: { logger: this.logger, collapseSubtasks: false, showErrorMessage: false, timer: PRESET_TIMER },
      fallbackRendererOptions: { logger: this.logger, timer: PRESET_TIMER },
    });
    await list.run().catch(() => undefined);
    return outcomes;
  }
}
