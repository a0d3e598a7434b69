import { EventEmitter, getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { INTERRUPT_MESSAGES, onInterrupt, sleeper } from '../../src/cli/interrupt.js';

describe('Ctrl-C: the first aborts, later ones are told to wait', () => {
  it.each([
    ['rollback', ['SIGINT'], true, [INTERRUPT_MESSAGES.rollback.first]],
    ['rollback', ['SIGINT', 'SIGINT'], true, [INTERRUPT_MESSAGES.rollback.first, INTERRUPT_MESSAGES.rollback.again]],
    ['rollback', ['SIGTERM', 'SIGINT', 'SIGINT'], true, [INTERRUPT_MESSAGES.rollback.first, INTERRUPT_MESSAGES.rollback.again, INTERRUPT_MESSAGES.rollback.again]],
    ['stop', ['SIGINT', 'SIGTERM'], true, [INTERRUPT_MESSAGES.stop.first, INTERRUPT_MESSAGES.stop.again]],
    ['finish', ['SIGINT', 'SIGINT'], true, [INTERRUPT_MESSAGES.finish.first, INTERRUPT_MESSAGES.finish.again]],
    ['rollback', [], false, []],
  ] as const)('%s after %j: aborted %s', (kind, signals, aborted, said) => {
    const source = new EventEmitter();
    const lines: string[] = [];
    const interrupt = onInterrupt(kind, (l) => lines.push(l), source);
    for (const s of signals) source.emit(s);
    expect(interrupt.signal.aborted).toBe(aborted);
    expect(lines).toEqual(said);
    interrupt.dispose();
  });

  it('removes its listeners when disposed: a signal afterwards is not its business', () => {
    const source = new EventEmitter();
    const lines: string[] = [];
    const interrupt = onInterrupt('rollback', (l) => lines.push(l), source);
    expect(source.listenerCount('SIGINT')).toBe(1);
    expect(source.listenerCount('SIGTERM')).toBe(1);
    interrupt.dispose();
    expect(source.listenerCount('SIGINT') + source.listenerCount('SIGTERM')).toBe(0);
    source.emit('SIGINT');
    expect(interrupt.signal.aborted).toBe(false);
    expect(lines).toEqual([]);
  });
});

describe('sleeper: the waits of status --watch', () => {
  it('serves every sleep with one abort listener (a long watch adds none per round)', async () => {
    const controller = new AbortController();
    const pause = sleeper(controller.signal);
    for (let round = 0; round < 50; round++) {
      await pause.sleep(0);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    }
    pause.dispose();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('ends a pending sleep when aborted, and returns at once afterwards', async () => {
    const controller = new AbortController();
    const pause = sleeper(controller.signal);
    let woke = false;
    const pending = pause.sleep(3_600_000).then(() => { woke = true; });
    await Promise.resolve();
    expect(woke).toBe(false);
    controller.abort();
    await pending;
    expect(woke).toBe(true);
    await pause.sleep(3_600_000);
    pause.dispose();
  });
});
