import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/util/diff.js';

describe('unified diff for plan', () => {
  it.each([
    ['the same text: no diff', 'a\nb\n', 'a\nb\n', ''],
    ['a new file', null, 'a\n', '--- /dev/null\n+++ f (after)\n@@ -0,0 +1,1 @@\n+a\n'],
    ['a removed file', 'a\n', null, '--- f (now)\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-a\n'],
    ['one line changed in the middle, with context', '1\n2\n3\n4\n5\n6\n7\n8\n9\n', '1\n2\n3\n4\nfive\n6\n7\n8\n9\n',
      '--- f (now)\n+++ f (after)\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n'],
    ['a line added at the end', 'a\nb\n', 'a\nb\nc\n', '--- f (now)\n+++ f (after)\n@@ -1,2 +1,3 @@\n a\n b\n+c\n'],
    ['lines moved between common ends', 'h\nx\ny\nt\n', 'h\ny\nx\nt\n', '--- f (now)\n+++ f (after)\n@@ -1,4 +1,4 @@\n h\n-x\n y\n+x\n t\n'],
  ])('%s', (_name, before, after, diff) => {
    expect(unifiedDiff(before, after, 'f')).toBe(diff);
  });

  it('a node\'s file of 300 000 lines with one line changed: the common ends are not tabled (the previous diff needed 9e10 cells)', () => {
    const noise = Array.from({ length: 150_000 }, (_, i) => `# ${i}`).join('\n');
    const lines = unifiedDiff(`${noise}\nrequirepass old\n${noise}\n`, `${noise}\nrequirepass new\n${noise}\n`, 'f').split('\n');
    expect(lines.slice(2)).toEqual(['@@ -149998,7 +149998,7 @@', ' # 149997', ' # 149998', ' # 149999', '-requirepass old', '+requirepass new', ' # 0', ' # 1', ' # 2', '']);
  });

  it('a node\'s file of 20 000 lines against 20 000 others: shown removed, then added, whole (no table of 400 million cells)', () => {
    const before = Array.from({ length: 20_000 }, (_, i) => `# noise ${i}`).join('\n');
    const after = Array.from({ length: 20_000 }, (_, i) => `key${i} value`).join('\n');
    const lines = unifiedDiff(`port 1\n${before}\nend\n`, `port 1\n${after}\nend\n`, 'f').split('\n');
    expect(lines.filter((l) => l.startsWith('-#')).length).toBe(20_000);
    expect(lines.filter((l) => l.startsWith('+key')).length).toBe(20_000);
    expect(lines[2]).toBe('@@ -1,20002 +1,20002 @@');
    expect(lines[3]).toBe(' port 1');
  });
});
