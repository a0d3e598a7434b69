import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pollUntil, waitUntil, waitUntilInterruptible } from '../../src/remote/waits.js';

const bash = (script: string) => {
  const r = spawnSync('bash', ['-c', script]);
  return { status: r.status, stdout: r.stdout.toString() };
};

describe('remote/waits: pollUntil (bash)', () => {
  it.each([
    [{ timeoutMs: 2500 }, 'deadline=$((SECONDS + 3))', 'sleep 0.1'],
    [{ timeoutMs: 10, intervalMs: 500 }, 'deadline=$((SECONDS + 1))', 'sleep 0.5'],
    [{ timeoutMs: 60_000, intervalMs: 1000 }, 'deadline=$((SECONDS + 60))', 'sleep 1'],
  ])('%j: whole seconds (at least 1), the interval as given', (wait, deadline, sleep) => {
    const code = pollUntil({ ...wait, condition: 'true', message: 'never' });
    expect(code).toContain(deadline);
    expect(code).toContain(sleep);
  });

  it('ends as soon as the condition holds', () => {
    const r = bash(`n=0\n${pollUntil({ timeoutMs: 5000, condition: 'n=$((n + 1)); [ $n -ge 3 ]', message: 'never' })}\necho "tries=$n"`);
    expect(r).toEqual({ status: 0, stdout: 'tries=3\n' });
  });

  it('fails after the timeout with the message and the last answer', () => {
    const r = bash(pollUntil({ timeoutMs: 1000, intervalMs: 200, condition: 'last="still no"; false', message: "it didn't happen" }));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("it didn't happen\nlast answer: still no\n");
  });
});

describe('remote/waits: waitUntil (controller)', () => {
  it('probes until done, at least once', async () => {
    let n = 0;
    expect(await waitUntil(() => Promise.resolve(++n), (v) => v >= 3, { timeoutMs: 10_000, intervalMs: 1 })).toEqual({ value: 3, ok: true });
    expect(await waitUntil(() => Promise.resolve('ready'), (v) => v === 'ready', { timeoutMs: 0 })).toEqual({ value: 'ready', ok: true });
  });

  it('gives up after the timeout with the last value', async () => {
    let n = 0;
    const r = await waitUntil(() => Promise.resolve(++n), () => false, { timeoutMs: 50, intervalMs: 10 });
    expect(r.ok).toBe(false);
    expect(r.value).toBe(n);
    expect(n).toBeGreaterThan(1);
  });

  it('stops waiting once aborted', async () => {
    const abort = new AbortController();
    let n = 0;
    const r = await waitUntil(() => Promise.resolve(++n === 2 ? abort.abort() : n), () => false, { timeoutMs: 60_000, intervalMs: 1, signal: abort.signal });
    expect(r.ok).toBe(false);
    expect(n).toBe(2);
  });
});

describe('waitUntilInterruptible: Ctrl-C is an error, never a timeout', () => {
  it('throws before probing when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    let probes = 0;
    await expect(waitUntilInterruptible(() => Promise.resolve(++probes), () => false, { timeoutMs: 1000, signal: controller.signal })).rejects.toThrow('interrupted (Ctrl-C)');
    expect(probes).toBe(0);
  });

  it('throws when aborted while waiting, and returns the answer otherwise', async () => {
    const controller = new AbortController();
    const waiting = waitUntilInterruptible(() => { controller.abort(); return Promise.resolve(1); }, () => false, { timeoutMs: 60_000, intervalMs: 1, signal: controller.signal });
    await expect(waiting).rejects.toThrow('interrupted (Ctrl-C)');
    await expect(waitUntilInterruptible(() => Promise.resolve(2), (v) => v === 2, { timeoutMs: 1000 })).resolves.toEqual({ value: 2, ok: true });
  });
});
