/*
 * A line diff (longest common subsequence) of two YAML texts, in unified format, for the folded
 * view of a changed object in the rendered diff (lib/delivery/diff-report.ts).
 */

type Op = { op: ' ' | '-' | '+'; line: string };

function diffLines(a: string[], b: string[]): Op[] {
  // Trim the common prefix and suffix first: most object diffs are a few lines in the middle.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) (endA--, endB--);
  const ma = a.slice(start, endA);
  const mb = b.slice(start, endB);
  const middle: Op[] = [];
  if (ma.length * mb.length > 4_000_000) {
    middle.push(...ma.map((line) => ({ op: '-' as const, line })), ...mb.map((line) => ({ op: '+' as const, line })));
  } else {
    const n = ma.length;
    const m = mb.length;
    const lcs = new Int32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * (m + 1) + j] = ma[i] === mb[j] ? lcs[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && ma[i] === mb[j]) (middle.push({ op: ' ', line: ma[i]! }), i++, j++);
      else if (i < n && (j === m || lcs[(i + 1) * (m + 1) + j]! >= lcs[i * (m + 1) + j + 1]!)) (middle.push({ op: '-', line: ma[i]! }), i++);
      else (middle.push({ op: '+', line: mb[j]! }), j++);
    }
  }
  return [...a.slice(0, start).map((line) => ({ op: ' ' as const, line })), ...middle, ...a.slice(endA).map((line) => ({ op: ' ' as const, line }))];
}

/** A unified diff (hunks with `context` lines around changes) of two texts, without file headers. */
export function unifiedDiff(before: string, after: string, context = 3): string {
  const split = (s: string) => (s === '' ? [] : s.replace(/\n$/, '').split('\n'));
  const ops = diffLines(split(before), split(after));
  const changedAt = ops.map((o, i) => (o.op === ' ' ? -1 : i)).filter((i) => i >= 0);
  if (!changedAt.length) return '';
  const hunks: [number, number][] = [];
  for (const i of changedAt) {
    const from = Math.max(0, i - context);
    const to = Math.min(ops.length, i + context + 1);
    const last = hunks[hunks.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else hunks.push([from, to]);
  }
  const out: string[] = [];
  for (const [from, to] of hunks) {
    const lineA = ops.slice(0, from).filter((o) => o.op !== '+').length + 1;
    const lineB = ops.slice(0, from).filter((o) => o.op !== '-').length + 1;
    const body = ops.slice(from, to);
    const countA = body.filter((o) => o.op !== '+').length;
    const countB = body.filter((o) => o.op !== '-').length;
    out.push(`@@ -${lineA},${countA} +${lineB},${countB} @@`, ...body.map((o) => `${o.op}${o.line}`));
  }
  return out.join('\n');
}

