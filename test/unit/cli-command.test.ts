import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { CommandContext, CommandSpec, Outcome } from '../../src/cli/command.js';
import { INTERRUPT_MESSAGES } from '../../src/cli/interrupt.js';
import type { CommonOptions } from '../../src/cli/options.js';
import { exitCodeOf, limitProblem, stdoutChunks } from '../../src/cli/outcome.js';
import { runCommand, type CommandIO } from '../../src/cli/run-command.js';
import type { Inventory } from '../../src/inventory/load.js';
import { EXIT, UsageError } from '../../src/util/errors.js';
import { markSecret, Secret } from '../../src/util/secret.js';

// Only what the wrapper reads of an inventory: the node names and the file's path.
const INVENTORY = {
  path: '/srv/cluster/inventory.json',
  nodes: [{ name: 'node1' }, { name: 'node2' }, { name: 'node3' }],
  warnings: [],
} as unknown as Inventory;

function fakeIO() {
  const out = { stdout: '', stderr: '', log: [] as string[], loads: 0 };
  const signals = new EventEmitter();
  const io: CommandIO = {
    load: () => { out.loads++; return INVENTORY; },
    signals,
    stdout: (t) => { out.stdout += t; },
    stderr: (t) => { out.stderr += t; },
    log: (l) => { out.log.push(l); },
  };
  return { io, out, signals };
}

const spec = (handler: CommandSpec['handler'], more: Partial<CommandSpec> = {}): CommandSpec => ({
  name: 'test', description: '', docs: 'docs/day-2.md', journal: false, limit: 'shows', handler, ...more,
});

const outcome = (exitCode: number, name = 'x'): Outcome => ({ exitCode, json: { name }, stderr: `recap ${name}\n`, stdout: `report ${name}\n` });

async function* stream(...outcomes: Outcome[]): AsyncGenerator<Outcome> {
  for (const o of outcomes) yield await Promise.resolve(o);
}

describe('rendering: stderr keeps the recap; stdout holds the report or, with --json, one JSON document', () => {
  it.each([
    [false, { exitCode: 0, json: { a: 1 }, stderr: 'R\n', stdout: 'S\n' }, 'S\n', 'R\n'],
    [true, { exitCode: 0, json: { a: 1 }, stderr: 'R\n', stdout: 'S\n' }, '{\n  "schemaVersion": 1,\n  "a": 1\n}\n', 'R\n'],
    [false, { exitCode: 1, json: { a: 1 } }, '', ''],
    [true, { exitCode: 3, json: { tests: [] }, stderr: 'R\n' }, '{\n  "schemaVersion": 1,\n  "tests": []\n}\n', 'R\n'],
  ] as const)('json %s: %j', (json, o, stdout, stderr) => {
    expect([...stdoutChunks(o, json)].join('')).toBe(stdout);
    expect((o as Outcome).stderr ?? '').toBe(stderr);
  });

  it('prints a Secret as *** and redacts a known secret seen at run time', () => {
    markSecret('seen-on-a-node-0451');
    const json = { password: new Secret('from-the-inventory-0451'), output: 'requirepass seen-on-a-node-0451' };
    const stdout = [...stdoutChunks({ exitCode: 0, json }, true)].join('');
    expect(stdout).not.toMatch(/0451/);
    expect(JSON.parse(stdout)).toEqual({ schemaVersion: 1, password: '***', output: 'requirepass ***' });
  });
});

describe('what a command writes is made terminal-safe on every way out', () => {
  it('stdout, stderr, the report and the log carry no control character a node put in its text', async () => {
    const { io, out } = fakeIO();
    const hostile = 'ascp \x1b]52;c;ZXZpbA==\x07';
    const code = await runCommand(spec((ctx: CommandContext) => {
      ctx.report(`report ${hostile}\n`);
      ctx.log(`log ${hostile}`);
      return Promise.resolve({ exitCode: 0, json: { line: hostile }, stderr: `recap ${hostile}\n`, stdout: `out ${hostile}\n` });
    }), { json: false }, [], io);
    expect(code).toBe(EXIT.ok);
    for (const text of [out.stdout, out.stderr, ...out.log]) {
      expect(text.includes('\x1b') || text.includes('\x07')).toBe(false);
      expect(text).toContain('ascp \\u001b]52;c;ZXZpbA==\\u0007');
    }
  });
});

describe('exit code: the last outcome decides', () => {
  it.each([
    [[0], EXIT.ok],
    [[1], EXIT.failed],
    [[3], EXIT.rollbackFailed],
    [[1, 0], EXIT.ok],
    [[0, 0, 1], EXIT.failed],
    [[], EXIT.failed],
  ])('%j -> %i', (codes, expected) => {
    expect(exitCodeOf(codes.map((c) => outcome(c)).at(-1))).toBe(expected);
  });
});

describe('--limit', () => {
  it.each([
    ['shows', undefined, undefined],
    ['shows', ['node1'], undefined],
    [{ refused: 'up converges the whole cluster' }, undefined, undefined],
    [{ refused: 'up converges the whole cluster' }, ['node1', 'node2'], 'up does not take --limit'],
  ] as const)('%j with %j', (limit, nodes, message) => {
    const problem = limitProblem({ name: 'up', limit }, nodes ? { limit: [...nodes] } : {});
    expect(problem?.message).toBe(message);
    if (problem) {
      expect(problem.field).toBe('--limit');
      expect(problem.hint).toContain('hsts-cluster plan --limit node1,node2');
    }
  });
});

describe('runCommand', () => {
  it.each([
    ['one outcome, human', outcome(0), {}, 'report x\n', 'recap x\n', 0],
    ['one outcome, --json', outcome(1), { json: true }, '{\n  "schemaVersion": 1,\n  "name": "x"\n}\n', 'recap x\n', 1],
    ['a rollback that failed', outcome(3), {}, 'report x\n', 'recap x\n', 3],
    ['a stream (status --watch), last round healthy', stream(outcome(1, 'a'), outcome(0, 'b')), {}, 'report a\nreport b\n', 'recap a\nrecap b\n', 0],
    ['a stream, --json: one document per round', stream(outcome(0, 'a'), outcome(1, 'b')), { json: true }, '{\n  "schemaVersion": 1,\n  "name": "a"\n}\n{\n  "schemaVersion": 1,\n  "name": "b"\n}\n', 'recap a\nrecap b\n', 1],
    ['a stream that reported nothing', stream(), {}, '', '', 1],
  ] as const)('%s', async (_, produced, options, stdout, stderr, code) => {
    const { io, out } = fakeIO();
    expect(await runCommand(spec(() => Promise.resolve(produced)), options as CommonOptions, [], io)).toBe(code);
    expect(out).toMatchObject({ stdout, stderr, loads: 1 });
  });

  it('gives the handler the arguments, the --limit nodes and the connection options', async () => {
    const { io } = fakeIO();
    let seen: CommandContext | undefined;
    await runCommand(spec((ctx) => { seen = ctx; return Promise.resolve(outcome(0)); }), { limit: ['node2'], acceptNewHostKeys: true }, ['alice'], io);
    expect(seen?.args).toEqual(['alice']);
    expect([...seen!.only!]).toEqual(['node2']);
    expect(seen?.connection).toEqual({ forks: 3, hostKeys: 'accept-new' });
    expect(seen?.journalDir).toBe('/srv/cluster/.hsts-cluster/journal');
  });

  it.each([
    ['--limit on a command that refuses it', { limit: { refused: 'no' } }, { limit: ['node1'] }, /test does not take --limit/, 0],
    ['an argument the command rejects', { validate: () => { throw new UsageError(['--run x: not a run id']); } }, {}, /not a run id/, 0],
    ['--limit naming no node', {}, { limit: ['node9'] }, /is not a node of the inventory/, 1],
  ] as const)('bad input (%s): UsageError, the handler never runs', async (_, more, options, message, loads) => {
    const { io, out } = fakeIO();
    let ran = false;
    const run = runCommand(spec(() => { ran = true; return Promise.resolve(outcome(0)); }, more as Partial<CommandSpec>), options as CommonOptions, [], io);
    await expect(run).rejects.toThrow(UsageError);
    await expect(run).rejects.toThrow(message);
    expect(ran).toBe(false);
    expect(out.loads).toBe(loads);
  });
});

describe('runCommand and Ctrl-C: signal -> abort -> the handler rolls back -> exit code', () => {
  /** A handler that works until aborted, then "rolls back" and reports how that went. */
  const untilAborted = (afterAbort: number) => (ctx: CommandContext) => new Promise<Outcome>((resolve) => {
    ctx.signal.addEventListener('abort', () => resolve(outcome(afterAbort)));
  });

  it.each([
    ['rolled back', 1, ['SIGINT'], [INTERRUPT_MESSAGES.rollback.first]],
    ['rollback failed', 3, ['SIGINT'], [INTERRUPT_MESSAGES.rollback.first]],
    ['SIGTERM', 1, ['SIGTERM'], [INTERRUPT_MESSAGES.rollback.first]],
  ] as const)('%s -> exit %i', async (_, code, signals, said) => {
    const { io, out, signals: source } = fakeIO();
    let started!: () => void;
    const running = new Promise<void>((r) => { started = r; });
    const run = runCommand(spec((ctx) => { started(); return untilAborted(code)(ctx); }, { interrupt: 'rollback' }), {}, [], io);
    await running;
    for (const s of signals) source.emit(s);
    expect(await run).toBe(code);
    expect(out.log).toEqual(said);
    expect(source.listenerCount('SIGINT') + source.listenerCount('SIGTERM')).toBe(0);
  });

  it('a second Ctrl-C while rolling back only says so; the exit code is still the rollback\'s', async () => {
    const { io, out, signals: source } = fakeIO();
    let rollbackDone!: () => void;
    const rolledBack = new Promise<void>((r) => { rollbackDone = r; });
    let started!: () => void;
    const running = new Promise<void>((r) => { started = r; });
    const run = runCommand(spec(async (ctx) => {
      started();
      await new Promise((r) => ctx.signal.addEventListener('abort', r));
      await rolledBack;
      return outcome(1);
    }, { interrupt: 'rollback' }), {}, [], io);
    await running;
    source.emit('SIGINT');
    source.emit('SIGINT');
    rollbackDone();
    expect(await run).toBe(1);
    expect(out.log).toEqual([INTERRUPT_MESSAGES.rollback.first, INTERRUPT_MESSAGES.rollback.again]);
  });

  it('a stream (status --watch) ends on Ctrl-C with its last round\'s code', async () => {
    const { io, signals: source } = fakeIO();
    async function* rounds(ctx: CommandContext): AsyncGenerator<Outcome> {
      yield await Promise.resolve(outcome(1, 'a'));
      source.emit('SIGINT');
      while (!ctx.signal.aborted) yield outcome(1, 'never');
      yield outcome(0, 'last');
    }
    expect(await runCommand(spec((ctx) => Promise.resolve(rounds(ctx)), { interrupt: 'stop' }), {}, [], io)).toBe(0);
  });

  it.each([
    ['rollback', 1],
    ['stop', 1],
    [undefined, 0],
  ] as const)('interrupt %s installs %i handler per signal while the command runs, none after', async (interrupt, during) => {
    const { io, signals: source } = fakeIO();
    let count = -1;
    await runCommand(spec(() => { count = source.listenerCount('SIGINT'); return Promise.resolve(outcome(0)); }, interrupt ? { interrupt } : {}), {}, [], io);
    expect(count).toBe(during);
    expect(source.listenerCount('SIGINT')).toBe(0);
  });

  it('removes its handlers when the handler throws', async () => {
    const { io, signals: source } = fakeIO();
    await expect(runCommand(spec(() => Promise.reject(new Error('boom')), { interrupt: 'rollback' }), {}, [], io)).rejects.toThrow('boom');
    expect(source.listenerCount('SIGINT') + source.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('nodes marked "state": "absent": only up, plan, status and rollback run while they are still members', () => {
  const leavingInventory = { ...INVENTORY, leaving: [{ name: 'node4' }] } as unknown as Inventory;
  const ioWith = (inventory: Inventory): CommandIO => ({ ...fakeIO().io, load: () => inventory });
  it('a command that acts on the present nodes only refuses (exit 2), naming the node, before its handler runs', async () => {
    let ran = false;
    const failure = await runCommand(spec(() => { ran = true; return Promise.resolve(outcome(0)); }, { name: 'restart' }), {}, [], ioWith(leavingInventory)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UsageError);
    expect((failure as UsageError).details[0]).toMatchObject({ field: 'nodes[].state', value: 'absent', message: expect.stringMatching(/^node4 is marked "state": "absent" .*restart would leave it behind$/) });
    expect(ran).toBe(false);
  });
  it.each([
    ['allowed', leavingInventory],
    [undefined, INVENTORY],
  ] as const)('whileLeaving %s: runs', async (whileLeaving, inventory) => {
    const code = await runCommand(spec(() => Promise.resolve(outcome(0)), whileLeaving ? { whileLeaving } : {}), {}, [], ioWith(inventory));
    expect(code).toBe(0);
  });
});
