import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { journalObserver, verboseObserver, type RunEvent } from '../../src/runner/engine/events.js';
import { Journal } from '../../src/runner/journal.js';
import { exitCodeFor, newRecap, type NodeStatus, type RunGoal } from '../../src/runner/result.js';

const recaps = (...statuses: NodeStatus[]) => statuses.map((status, i) => ({ ...newRecap(`node${i + 1}`), status }));

describe('exitCodeFor: by the run goal', () => {
  const cases: [string, NodeStatus[], string[], RunGoal, number][] = [
    ['apply: every node ok or changed', ['ok', 'changed', 'ok'], [], 'apply', 0],
    ['apply: a plan that would change', ['would-change', 'ok', 'ok'], [], 'apply', 0],
    ['apply: a failed node', ['failed', 'rolled-back', 'rolled-back'], [], 'apply', 1],
    ['apply: rolled back after a failure elsewhere still failed', ['rolled-back', 'ok', 'ok'], [], 'apply', 1],
    ['apply: unreachable', ['unreachable', 'not-started', 'not-started'], [], 'apply', 1],
    ['apply: an error with no failed node (pre-flight)', ['ok', 'ok', 'ok'], ['pre-flight failed'], 'apply', 1],
    ['apply: a rollback that failed wins over everything', ['failed', 'rollback-failed', 'rolled-back'], ['x'], 'apply', 3],
    ['rollback: rolled back is success', ['rolled-back', 'rolled-back', 'ok'], [], 'rollback', 0],
    ['rollback: a node that could not be rolled back', ['rolled-back', 'rollback-failed', 'ok'], [], 'rollback', 3],
    ['rollback: unreachable', ['rolled-back', 'unreachable', 'ok'], [], 'rollback', 1],
    ['rollback: an error', ['ok', 'ok', 'ok'], ['the run lock is held'], 'rollback', 1],
  ];
  it.each(cases)('%s', (_name, statuses, errors, goal, code) => {
    expect(exitCodeFor(recaps(...statuses), errors, goal)).toBe(code);
  });
});

describe('the journal observer: event in, journal line out (names older journals use)', () => {
  const cases: [RunEvent, Record<string, unknown>][] = [
    [{ event: 'command', node: 'n1', command: 'systemctl stop asperanoded' }, { event: 'command', node: 'n1', command: 'systemctl stop asperanoded' }],
    [{ event: 'command-result', node: 'n1', command: 'c', exitCode: 2, durationMs: 7 }, { event: 'result', node: 'n1', command: 'c', exitCode: 2, durationMs: 7 }],
    [{ event: 'connect-failed', node: 'n2', error: 'refused' }, { event: 'connect', node: 'n2', result: 'failed', error: 'refused' }],
    [{ event: 'node-failed', stage: 'snapshot', node: 'n3', error: 'disk full' }, { event: 'snapshot', node: 'n3', result: 'failed', error: 'disk full' }],
    [{ event: 'node-failed', stage: 'pre-flight', node: 'n3', error: 'e' }, { event: 'pre-flight', node: 'n3', result: 'failed', error: 'e' }],
    [{ event: 'preflight-failed', problems: ['p'] }, { event: 'preflight', result: 'failed', problems: ['p'] }],
    [{ event: 'step-result', node: 'n1', step: 'units', result: 'changed', durationMs: 5, error: undefined }, { event: 'step', node: 'n1', step: 'units', result: 'changed', durationMs: 5 }],
    [{ event: 'rollback', node: 'n1', result: 'restored', left: [] }, { event: 'rollback', node: 'n1', result: 'restored', left: [] }],
  ];
  it.each(cases)('%j', (event, line) => {
    const dir = mkdtempSync(join(tmpdir(), 'hsts-journal-'));
    const journal = new Journal(dir, 'RUN');
    journalObserver(journal)(event);
    const written = JSON.parse(readFileSync(journal.path, 'utf8'));
    expect(written).toMatchObject({ run: 'RUN', ...line });
    expect(Object.keys(written).sort()).toEqual(['run', 'time', ...Object.keys(line).filter((k) => line[k] !== undefined)].sort());
  });
});

describe('the verbose observer', () => {
  it('prints each command, and a duration only when it was noticeable', () => {
    const lines: string[] = [];
    const observe = verboseObserver((l) => lines.push(l));
    observe({ event: 'command', node: 'n1', command: 'systemctl start asperanoded' });
    observe({ event: 'command-result', node: 'n1', command: 'c', exitCode: 0, durationMs: 99 });
    observe({ event: 'command-result', node: 'n1', command: 'c', exitCode: 0, durationMs: 250 });
    observe({ event: 'roles', primary: 'n1', reason: 'inventory' });
    expect(lines).toEqual(['[n1] $ systemctl start asperanoded', '[n1]   (250 ms)']);
  });
});
