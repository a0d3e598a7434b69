import { describe, expect, it } from 'vitest';
import { commandOf, habitProblems } from '../../src/cli/habits.js';
import { JsonSyntaxError, parseJsonText } from '../../src/inventory/json-text.js';
import { suggestField } from '../../src/inventory/suggest.js';
import { renderUnexpected } from '../../src/ui/errors.js';

const syntax = (text: string) => {
  try {
    parseJsonText(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { at: `${e.position.line}:${e.position.column}`, message: e.message, hint: e.hint };
    throw e;
  }
  return undefined;
};

describe('JSON text: syntax errors at line:column with the likely cause', () => {
  it.each([
    ['{\n  "a": 1,\n}', '2:9', /trailing comma before '}'/],
    ['[1, 2,]', '1:6', /trailing comma before ']'/],
    ['{\n  /* note */ "a": 1 }', '2:3', /comment/],
    ["{'a': 1}", '1:2', /single quotes/],
    ['{"a": \'x\'}', '1:7', /single quotes/],
    ['{"a": 1\n "b": 2}', '2:2', /expected ',' or '}' after the value of "a"/],
    ['{"a" = 1}', '1:6', /expected ':' after "a", found '='/],
    ['{a: 1}', '1:2', /field name in double quotes/],
    ['{"a": yes}', '1:7', /text without quotes/],
    ['{"a": "line\nbreak"}', '1:7', /runs past the end of the line/],
    ['{"a": "C:\\keys"}', '1:7', /invalid escape/],
    ['{"a": 1} x', '1:10', /more text after the end/],
    ['{"a": [1, 2}', '1:12', /expected ',' or ']'/],
    ['{"a": {"b": 1}', '1:15', /the object opened at 1:1 is never closed/],
  ])('%j', (text, at, message) => {
    const e = syntax(text);
    expect(e?.at).toBe(at);
    expect(e?.message).toMatch(message);
  });

  it('finds where each value and field name starts, and fields written twice', () => {
    const doc = parseJsonText('{\n  "nodes": [\n    { "name": "a" },\n    { "name": "b", "name": "c" }\n  ]\n}');
    expect(doc.value).toEqual({ nodes: [{ name: 'a' }, { name: 'c' }] });
    expect(doc.locate(['nodes', 1, 'name'])).toEqual({ line: 4, column: 28 });
    expect(doc.locate(['nodes', 0, 'name'], true)).toEqual({ line: 3, column: 7 });
    expect(doc.duplicates).toEqual([{ path: ['nodes', 1, 'name'], first: { line: 4, column: 7 }, again: { line: 4, column: 20 } }]);
  });

  it('keeps JSON.parse\'s values (numbers, escapes, __proto__ as a plain field)', () => {
    const text = '{"n": -1.5e3, "s": "a\\u00e9\\n", "__proto__": {"x": 1}, "l": [true, false, null]}';
    expect(parseJsonText(text).value).toEqual(JSON.parse(text));
    expect(Object.getPrototypeOf(parseJsonText(text).value)).toBe(Object.prototype);
  });
});

describe('did you mean', () => {
  const ssh = ['host', 'port', 'user', 'privateKey', 'agent', 'knownHosts', 'sudoPassword', 'jumpHost', 'connectTimeoutMs'];
  it.each([
    ['identityFile', 'privateKey'], ['IdentityFile', 'privateKey'], ['ansible_ssh_private_key_file', 'privateKey'],
    ['HostName', 'host'], ['ProxyJump', 'jumpHost'], ['UserKnownHostsFile', 'knownHosts'], ['known_hosts', 'knownHosts'],
    ['privatekey', 'privateKey'], ['usr', 'user'], ['becomePassword', 'sudoPassword'], ['ConnectTimeout', 'connectTimeoutMs'],
  ])('%s -> %s', (typed, meant) => expect(suggestField(typed, ssh)).toBe(meant));
  it('suggests nothing for a name far from every field', () => expect(suggestField('colour', ssh)).toBeUndefined());
});

describe('command-line habits', () => {
  it.each([
    [['up', '--check'], /there is no --check/],
    [['-i', 'x.json', 'up', '-C'], /there is no --check/],
    [['plan', '--diff'], /plan always shows the diffs/],
    [['status', '--become'], /there is no --become/],
    [['up', '--private-key=id'], /there is no --private-key/],
    [['apply'], /there is no command "apply"/],
    [['-i', 'inv.json', 'health'], /there is no command "health"/],
  ])('%j', (args, message) => expect(habitProblems(args).map((p) => p.message).join('\n')).toMatch(message));
  it.each([[['up', '--diff']], [['-i', 'up.json', 'plan']], [['status', '-l', 'node1']], [['up', '--', '--check']]])('%j is no habit', (args) => {
    expect(habitProblems(args)).toEqual([]);
  });
  it('finds the command after options and their values', () => {
    expect(commandOf(['-i', 'deploy.json', '-vv', 'plan'])).toBe('plan');
    expect(commandOf(['--json'])).toBeUndefined();
  });
});

describe('an unexpected error', () => {
  const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
  it('is one line naming it a bug, where the trace went, and --verbose; no trace', () => {
    const { text, problem } = renderUnexpected(bug, { verbose: false, tracePath: '/j/internal-errors.jsonl' });
    expect(text.split('\n')[0]).toBe("error: internal error: Cannot read properties of undefined (reading 'x')");
    expect(text).toContain('run again with --verbose');
    expect(text).toContain('journal: /j/internal-errors.jsonl');
    expect(text).not.toMatch(/^\s+at /m);
    expect(problem.message).toMatch(/^internal error/);
  });
  it('shows the trace with --verbose', () => {
    expect(renderUnexpected(bug, { verbose: true }).text).toMatch(/^\s+at /m);
  });
  it('a system error (permission, full disk) is one line, not called a bug', () => {
    const e = Object.assign(new Error("EACCES: permission denied, open '/x/journal.jsonl'"), { code: 'EACCES' });
    const { text } = renderUnexpected(e, { verbose: false });
    expect(text).toMatch(/^error: EACCES: permission denied/);
    expect(text).not.toContain('bug');
    expect(text).not.toMatch(/^\s+at /m);
  });
});
