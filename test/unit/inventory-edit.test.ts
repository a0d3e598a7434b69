import { describe, expect, it } from 'vitest';
import { setTransferUsers, setTransferUsersYaml, valueSpan } from '../../src/inventory/edit.js';

describe('editing the inventory in place', () => {
  it('finds values by path', () => {
    const text = '{ "a": { "b": [1, {"c": "x\\"y"}] }, "d": true }';
    const span = valueSpan(text, ['a', 'b', '1', 'c'])!;
    expect(text.slice(span.start, span.end)).toBe('"x\\"y"');
    expect(valueSpan(text, ['a', 'zz'])).toBeNull();
  });

  it('replaces a one-line list and keeps everything else byte for byte', () => {
    const text = '{\n  "cluster": {\n    "transferUsers": ["xfer2"],   "quorum": 2\n  },\n  "nodes": []\n}\n';
    expect(setTransferUsers(text, ['xfer2', 'alice'])).toBe(
      '{\n  "cluster": {\n    "transferUsers": ["xfer2", "alice"],   "quorum": 2\n  },\n  "nodes": []\n}\n');
  });

  it('keeps a list on one item per line when it was written so', () => {
    const text = '{\n  "cluster": {\n    "transferUsers": [\n      "a"\n    ]\n  }\n}';
    expect(setTransferUsers(text, ['a', 'b'])).toBe('{\n  "cluster": {\n    "transferUsers": [\n      "a",\n      "b"\n    ]\n  }\n}');
  });

  it('adds the key at the end of cluster when it is absent', () => {
    const text = '{\n  "cluster": {\n    "quorum": 2\n  },\n  "nodes": []\n}\n';
    const out = setTransferUsers(text, ['alice']);
    expect(out).toBe('{\n  "cluster": {\n    "quorum": 2,\n    "transferUsers": ["alice"]\n  },\n  "nodes": []\n}\n');
    expect(JSON.parse(out).cluster.transferUsers).toEqual(['alice']);
    expect(setTransferUsers('{"cluster": {}}', ['a'])).toBe('{"cluster": {"transferUsers": ["a"]}}');
  });
});

describe('editing a YAML inventory in place', () => {
  const text = '# our cluster\ncluster:\n  quorum: 2  # majority of 3\n\nnodes:\n  - name: node1\n';

  it('adds cluster.transferUsers and keeps the comments, the blank line and the order', () => {
    expect(setTransferUsersYaml(text, ['alice', 'bob'])).toBe('# our cluster\ncluster:\n  quorum: 2 # majority of 3\n  transferUsers: [ alice, bob ]\n\nnodes:\n  - name: node1\n');
  });

  it('replaces an existing list', () => {
    const before = 'cluster:\n  transferUsers: [alice]\n  quorum: 2\n';
    expect(setTransferUsersYaml(before, ['alice', 'carol'])).toBe('cluster:\n  transferUsers: [ alice, carol ]\n  quorum: 2\n');
  });
});
