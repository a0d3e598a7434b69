import { describe, expect, it } from 'vitest';
import { parseJsonText } from '../../src/inventory/json-text.js';
import { parseYamlText, YamlSyntaxError } from '../../src/inventory/yaml-text.js';

const yaml = [
  'cluster:',                       // 1
  '  quorum: 2',                    // 2
  'ssh: &ssh',                      // 3
  '  user: hsts',                   // 4
  'nodes:',                         // 5
  '  - name: node1',                // 6
  '    privateIp: 10.0.0.1',        // 7
  '  - {name: node2, privateIp: x}', // 8
  '',
].join('\n');

describe('YAML inventory text', () => {
  it('gives the same value as the JSON it stands for', () => {
    const json = '{"cluster": {"quorum": 2}, "ssh": {"user": "hsts"}, "nodes": [{"name": "node1", "privateIp": "10.0.0.1"}, {"name": "node2", "privateIp": "x"}]}';
    expect(parseYamlText(yaml).value).toEqual(parseJsonText(json).value);
  });

  it.each([
    [['cluster', 'quorum'], false, { line: 2, column: 11 }],
    [['cluster', 'quorum'], true, { line: 2, column: 3 }],
    [['nodes', 0, 'privateIp'], false, { line: 7, column: 16 }],
    [['nodes', 1, 'privateIp'], false, { line: 8, column: 30 }],
    [['nodes', 1], false, { line: 8, column: 5 }],
    [['ssh', 'user'], false, { line: 4, column: 9 }],
  ] as const)('locates %j (key: %s) at %j', (path, key, at) => {
    expect(parseYamlText(yaml).locate(path, key)).toEqual(at);
  });

  it('reports a repeated key with both places; the last one counts, as in JSON', () => {
    const doc = parseYamlText('cluster:\n  quorum: 2\n  quorum: 3\n');
    expect(doc.value).toEqual({ cluster: { quorum: 3 } });
    expect(doc.duplicates).toEqual([{ path: ['cluster', 'quorum'], first: { line: 2, column: 3 }, again: { line: 3, column: 3 } }]);
  });

  it('reads YAML 1.2: yes and on stay strings, as JSON would have them', () => {
    expect(parseYamlText('a: yes\nb: on\nc: true\n').value).toEqual({ a: 'yes', b: 'on', c: true });
  });

  it.each([
    ['cluster:\n  save: [1\nnodes: []\n', 3, 1],
    ['cluster:\n\tquorum: 2\n', 2, 1],
  ])('a syntax error says where: %j', (text, line, column) => {
    let error: unknown;
    try { parseYamlText(text); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(YamlSyntaxError);
    expect((error as YamlSyntaxError).position).toEqual({ line, column });
  });
});
