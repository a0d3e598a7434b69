import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterNode } from '../../src/inventory/load.js';
import { HSTS } from '../../src/hsts/paths.js';
import { ProcedureAccess, type ProcedureAccessOptions } from '../../src/runner/engine/procedure-access.js';
import { Run } from '../../src/runner/engine/run.js';
import type { RemoteCommand } from '../../src/ssh/remote-script.js';
import type { BatchResult, NodeSession } from '../../src/ssh/session.js';
import type { Progress } from '../../src/ui/progress.js';
import { Secret } from '../../src/util/secret.js';
import { buildInventory, nodeNamed, PASSWORD } from '../support/facts.js';

/**
 * The access is composition only: which command goes to which node's session, what a reply parses
 * to, what an error says. A session here answers each command from a table and records what it was
 * asked; nothing connects anywhere. A key is "NODE part of the label" or "* part of the label"; the
 * first that matches answers, and a command no key matches prints nothing and exits 0.
 */
type Answer = { exitCode: number; output: string } | Error;

function answerFor(answers: Record<string, Answer>, node: string, label: string): Answer {
  const key = Object.keys(answers).find((k) => {
    const [on, ...part] = k.split(' ');
    return (on === '*' || on === node) && label.includes(part.join(' '));
  });
  return key === undefined ? { exitCode: 0, output: '' } : answers[key]!;
}

interface Asked { node: string; command: RemoteCommand; timeoutMs: number | undefined }

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setUp(answers: Record<string, Answer>, options: ProcedureAccessOptions = {}) {
  const inventory = buildInventory();
  const dir = mkdtempSync(join(tmpdir(), 'procedure-access-'));
  dirs.push(dir);
  const run = new Run('unit', inventory, { journalDir: dir, progress: {} as Progress, log: () => undefined });
  const asked: Asked[] = [];
  for (const node of inventory.nodes) {
    const session = {
      run: (commands: RemoteCommand[], _mode: string, timeoutMs?: number): Promise<BatchResult> => {
        const command = commands[0]!;
        asked.push({ node: node.name, command, timeoutMs });
        const answer = answerFor(answers, node.name, command.label);
        if (answer instanceof Error) return Promise.reject(answer);
        return Promise.resolve({ results: [{ label: command.label, durationMs: 1, ...answer }] });
      },
    };
    run.sessions.set(node.name, session as unknown as NodeSession);
  }
  return { run, inventory, asked, access: new ProcedureAccess(run, options), node: (name: string): ClusterNode => nodeNamed(inventory, name) };
}

const ok = (output: string): Answer => ({ exitCode: 0, output });

describe('ProcedureAccess: which command goes where', () => {
  it.each([
    ['askRedis', (a: ProcedureAccess, n: ClusterNode) => a.askRedis(n, ['INFO', 'server']), 31415, ['INFO', 'server']],
    ['askSentinel', (a: ProcedureAccess, n: ClusterNode) => a.askSentinel(n, ['SENTINEL', 'MYID']), 41415, ['SENTINEL', 'MYID']],
    ['replication', (a: ProcedureAccess, n: ClusterNode) => a.replication(n), 31415, ['INFO', 'replication']],
    ['configNumber', (a: ProcedureAccess, n: ClusterNode) => a.configNumber(n, 'replica-priority'), 31415, ['CONFIG', 'GET', 'replica-priority']],
    ['sentinelReplicas', (a: ProcedureAccess, n: ClusterNode) => a.sentinelReplicas(n), 41415, ['SENTINEL', 'REPLICAS', 'myprimary']],
    ['sentinelMaster', (a: ProcedureAccess, n: ClusterNode) => a.sentinelMaster(n), 41415, ['SENTINEL', 'MASTER', 'myprimary']],
  ])('%s asks asredis on the node itself, at its own address and port, password as input only', async (_name, call, port, args) => {
    const { access, asked, node } = setUp({});
    await call(access, node('node2'));
    expect(asked).toHaveLength(1);
    const { node: on, command } = asked[0]!;
    expect(on).toBe('node2');
    expect(command.label).toBe(`asredis -h 192.0.2.12 -p ${port} ${args.join(' ')}`);
    expect(command.code).toContain(`-h '192.0.2.12' -p ${port}`);
    expect(command.inputs?.pw).toBeInstanceOf(Secret);
    expect((command.inputs?.pw as Secret).reveal()).toBe(PASSWORD);
    expect(`${command.label}\n${command.code}`).not.toContain(PASSWORD);
  });

  it('sentinelViews asks the nodes given, in their order, and names null where a Sentinel gives no address', async () => {
    const { access, asked, node } = setUp({
      'node1 get-master-addr-by-name': ok('192.0.2.12\n31415\n'),
      'node3 get-master-addr-by-name': ok('(error) NOAUTH Authentication required.\n'),
    });
    expect(await access.sentinelViews([node('node3'), node('node1')])).toEqual([null, '192.0.2.12']);
    expect(asked.map((a) => [a.node, a.command.label])).toEqual([
      ['node3', 'asredis -h 192.0.2.13 -p 41415 SENTINEL get-master-addr-by-name myprimary'],
      ['node1', 'asredis -h 192.0.2.11 -p 41415 SENTINEL get-master-addr-by-name myprimary'],
    ]);
    expect(await access.sentinelViews()).toEqual(['192.0.2.12', null, null]);
  });

  it.each([
    ['a number', ok('replica-priority\n100\n'), { value: '100' }],
    ['an error reply', ok('(error) NOAUTH Authentication required.\n'), { value: null }],
    ['no answer', new Error('connection lost'), { value: null, output: 'connection lost' }],
  ])('configNumber reads %s', async (_name, answer, expected) => {
    const { access, node } = setUp({ '* CONFIG GET replica-priority': answer });
    expect(await access.configNumber(node('node1'), 'replica-priority')).toMatchObject(expected);
  });

  it('replication and sentinelMaster parse the replies; an error reply is no answer', async () => {
    const { access, node } = setUp({
      'node1 INFO replication': ok('# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_repl_offset:42\r\n'),
      'node2 INFO replication': ok('(error) LOADING Redis is loading the dataset in memory\n'),
      'node1 SENTINEL MASTER': ok('name\nmyprimary\nflags\nmaster\nnum-other-sentinels\n2\n'),
    });
    expect(await access.replication(node('node1'))).toMatchObject({ role: 'master', offset: 42 });
    expect(await access.replication(node('node2'))).toBeNull();
    expect(await access.sentinelMaster(node('node1'))).toEqual({ name: 'myprimary', flags: 'master', 'num-other-sentinels': '2' });
    expect(await access.sentinelMaster(node('node2'))).toBeUndefined();
  });

  it('maintenanceMark reads the mark through the facts probe; a node that cannot be asked is unreadable', async () => {
    const { access, asked, node } = setUp({ 'node1 read': ok('NO-MAINTENANCE-MARK\n'), 'node2 read': new Error('connection lost') });
    expect(await access.maintenanceMark(node('node1'))).toEqual({ state: 'none' });
    expect(asked[0]!.command.label).toBe(`read ${HSTS.maintenanceFile}`);
    expect((await access.maintenanceMark(node('node2'))).state).toBe('unreadable');
  });
});

describe('ProcedureAccess.must', () => {
  const command: RemoteCommand = { label: 'systemctl stop asperanoded', code: 'systemctl stop asperanoded' };

  it('gives the output of a command that exits 0, with the timeout passed on', async () => {
    const { access, asked, node } = setUp({ '* stop asperanoded': ok('done\n') });
    expect(await access.must(node('node1'), command, 5000)).toBe('done\n');
    expect(asked[0]!.timeoutMs).toBe(5000);
  });

  it.each([
    ['all of the output by default', {}, ok('line 1\nline 2\nline 3\nline 4\n'), 'node2: systemctl stop asperanoded failed: line 1\nline 2\nline 3\nline 4'],
    ['the last lines on one line with quotedLines', { quotedLines: 3 }, ok('line 1\nline 2\nline 3\nline 4\n'), 'node2: systemctl stop asperanoded failed: line 2 line 3 line 4'],
    ['why it could not run', {}, new Error('ssh: connection lost'), 'node2: systemctl stop asperanoded failed: ssh: connection lost'],
  ])('names the node and the command on failure, quoting %s', async (_name, options, answer, message) => {
    const failing = answer instanceof Error ? answer : { ...answer, exitCode: 1 };
    const { access, node } = setUp({ 'node2 stop asperanoded': failing }, options);
    const error = await access.must(node('node2'), command).then(() => null, (e: Error) => e);
    expect(error?.message).toBe(message);
  });

  it('never quotes the password, even when the node printed it', async () => {
    const { access, node } = setUp({ '* stop asperanoded': { exitCode: 1, output: `requirepass ${PASSWORD}\n` } });
    const error = await access.must(node('node1'), command).then(() => null, (e: Error) => e);
    expect(error?.message).toBe('node1: systemctl stop asperanoded failed: requirepass ***');
  });
});

describe('ProcedureAccess: refusals and waits', () => {
  it('refuse records the pre-flight error and its event, nothing else', () => {
    const { access, run } = setUp({});
    const events: unknown[] = [];
    run.on((e) => events.push(e));
    access.refuse('no quorum');
    expect(run.errors).toEqual(['pre-flight: no quorum; nothing was changed']);
    expect(events).toEqual([{ event: 'preflight-failed', problems: ['no quorum'] }]);
  });

  it('until returns the last value when done, and ends with an error once Ctrl-C was pressed', async () => {
    const abort = new AbortController();
    const { access } = setUp({}, { abort: abort.signal });
    let n = 0;
    expect(await access.until(() => Promise.resolve(++n), (v) => v === 3, { timeoutMs: 10_000, intervalMs: 1 })).toEqual({ value: 3, ok: true });
    abort.abort();
    await expect(access.until(() => Promise.resolve(0), () => true, { timeoutMs: 10_000 })).rejects.toThrow('interrupted (Ctrl-C)');
  });
});
