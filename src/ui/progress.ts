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
 * stderr for the plain progress: what is written in one turn of the event loop goes out in one
 * write. The plain renderer prints a line or two per node and phase, each its own write system
 * call: at 501 simulated nodes, a no-op's thousands of them were 5% of its profile.
 */
export class BatchedLines {
  private pending = '';

  constructor(private readonly out: { write(text: string): unknown } = process.stderr) {}

  write = (text: string | Uint8Array): boolean => {
    if (this.pending === '') setImmediate(this.flush);
    this.pending += typeof text === 'string' ? text : Buffer.from(text).toString('utf8');
    return true;
  };

  flush = (): void => {
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    this.out.write(text);
  };
}

/**
 * listr2 progress on stderr: one task per phase, a subtask per node, the nodes in parallel.
 * A failure never throws out of here: the caller gets every node's outcome and decides.
 */
export class Progress {
  private readonly plainOut = new BatchedLines();
  private readonly logger: ListrLogger;

  constructor(private readonly mode: ProgressMode) {
    const stderr = mode === 'tty' ? process.stderr : this.plainOut as unknown as NodeJS.WriteStream;
    this.logger = new ListrLogger({ processOutput: new ProcessOutput(stderr, stderr) });
  }

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
    this.plainOut.flush();
    return outcomes;
  }
}
