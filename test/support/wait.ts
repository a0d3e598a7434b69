/**
 * Polls `condition` every 100 ms until it holds; throws, naming `what` (and `detail()`, when given),
 * when `seconds` pass first. Bounds are generous: a slow machine only makes the poll take longer.
 */
export async function until(condition: () => boolean | Promise<boolean>, seconds: number, what: string, detail?: () => string): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s${detail ? `\n${detail()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
