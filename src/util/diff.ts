/** A unified diff of two texts (line based, with context), for `plan` and --diff output. */
export function unifiedDiff(before: string | null, after: string | null, label: string, context = 3): string {
  const a = before === null ? [] : before.replace(/\n$/, '').split('\n');
  const b = after === null ? [] : after.replace(/\n$/, '').split('\n');
  const ops = lineOps(a, b);
  if (ops.every((op) => op.kind === ' ')) return '';
  const out = [`--- ${before === null ? '/dev/null' : `${label} (now)`}`, `+++ ${after === null ? '/dev/null' : `${label} (after)`}`];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]!.kind === ' ') {
      i++;
      continue;
    }
    const start = Math.max(0, i - context);
    let end = i;
    // Extend the hunk while changes are closer than 2 * context lines apart.
    for (let j = i; j < ops.length; j++) {
      if (ops[j]!.kind !== ' ') end = j;
      else if (j - end > 2 * context) break;
    }
    end = Math.min(ops.length - 1, end + context);
    const hunk = ops.slice(start, end + 1);
    const aStart = ops.slice(0, start).filter((op) => op.kind !== '+').length;
    const bStart = ops.slice(0, start).filter((op) => op.kind !== '-').length;
    const aLen = hunk.filter((op) => op.kind !== '+').length;
    const bLen = hunk.filter((op) => op.kind !== '-').length;
    out.push(`@@ -${aLen ? aStart + 1 : aStart},${aLen} +${bLen ? bStart + 1 : bStart},${bLen} @@`);
    for (const op of hunk) out.push(`${op.kind}${op.line}`);
    i = end + 1;
  }
  return `${out.join('\n')}\n`;
}

interface Op { kind: ' ' | '-' | '+'; line: string }

/**
 * The LCS table of the lines that differ grows as their product: bounded, since the text before is
 * a node's (the noded user writes aspera_31415.conf, up to 1 MiB, half a million lines): past it the
 * middle is shown as removed, then added, whole.
 */
const MAX_LCS_CELLS = 1_000_000;

function lineOps(a: string[], b: string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const same = (lines: string[]): Op[] => lines.map((line) => ({ kind: ' ', line }));
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const middle = midA.length * midB.length > MAX_LCS_CELLS
    ? [...midA.map((line): Op => ({ kind: '-', line })), ...midB.map((line): Op => ({ kind: '+', line }))]
    : lcsOps(midA, midB);
  return [...same(a.slice(0, head)), ...middle, ...same(a.slice(a.length - tail))];
}

function lcsOps(a: string[], b: string[]): Op[] {
  // Longest common subsequence by dynamic programming, on what is left between the common ends.
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]! });
      i++;
      j++;
    } else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      ops.push({ kind: '-', line: a[i++]! });
    } else {
      ops.push({ kind: '+', line: b[j++]! });
    }
  }
  return ops;
}
