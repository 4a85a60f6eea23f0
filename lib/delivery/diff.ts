import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { groupOf, type Manifest } from '../render';
import type { ChartDiff } from './helm';
import { collectObjects, displayName, isDistManifestPath, type DistObject } from './manifests';

/*
 * `npm run diff`: dist/ at a git ref against the working tree (or another ref), per Kubernetes
 * object. The rendered YAML is parsed, so header comments, document order and file moves make no
 * noise; a HelmChart's `spec.valuesContent` is parsed too, so a values change reads as a path
 * (`spec.valuesContent.ports.web.exposedPort`) instead of one changed string.
 */

// ---------------------------------------------------------------------------------------------
// Reading dist/ from git and from the working tree

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

function gitOk(cwd: string, args: string[]): string | undefined {
  try {
    return git(cwd, args).trim();
  } catch {
    return undefined;
  }
}

export function repoRoot(cwd: string): string {
  return git(cwd, ['rev-parse', '--show-toplevel']).trim();
}

/** A commit id for `ref`, or an error naming the ref. */
export function resolveCommit(cwd: string, ref: string): string {
  const sha = gitOk(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (!sha) throw new Error(`not a commit: ${ref}`);
  return sha;
}

/**
 * The default base: the merge-base of HEAD with `main` (or `origin/main` in a CI checkout that has
 * no local main), else HEAD itself, else nothing (a repository without commits: everything is added).
 */
export function defaultBase(cwd: string): string | undefined {
  if (!gitOk(cwd, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])) return undefined;
  for (const candidate of ['main', 'origin/main']) {
    if (!gitOk(cwd, ['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`])) continue;
    const mergeBase = gitOk(cwd, ['merge-base', 'HEAD', candidate]);
    if (mergeBase) return mergeBase;
  }
  return resolveCommit(cwd, 'HEAD');
}

/** `{ '04-apps/app-site.yaml': text }` of dist/ at a commit; empty when the commit has no dist/. */
export function readDistAtRef(root: string, ref: string, distDir = 'dist'): Map<string, string> {
  const files = new Map<string, string>();
  const listing = git(root, ['ls-tree', '-r', '-z', '--full-name', '--name-only', ref, '--', `${distDir}/`]);
  const paths = listing.split('\0').filter((path) => path && isDistManifestPath(path.slice(distDir.length + 1)));
  if (!paths.length) return files;
  // One `git cat-file --batch` for every file (a process per file was most of a diff's time).
  const out = execFileSync('git', ['cat-file', '--batch'], { cwd: root, input: paths.map((path) => `${ref}:${path}\n`).join(''), maxBuffer: 256 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] });
  let at = 0;
  for (const path of paths) {
    // Each answer is `<oid> blob <size>\n<content>\n`.
    const headerEnd = out.indexOf(0x0a, at);
    const [, type, size] = out.subarray(at, headerEnd).toString('utf8').split(' ');
    if (type !== 'blob') throw new Error(`git cat-file: ${ref}:${path}: got ${type ?? 'nothing'}, expected a file`);
    const start = headerEnd + 1;
    files.set(path.slice(distDir.length + 1), out.subarray(start, start + Number(size)).toString('utf8'));
    at = start + Number(size) + 1;
  }
  return files;
}

/** The same from the file system (tracked or not: the working tree as `npm run synth` left it). */
export function readDistDir(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!existsSync(dir)) return files;
  for (const phase of readdirSync(dir, { withFileTypes: true })) {
    if (!phase.isDirectory()) continue;
    for (const file of readdirSync(join(dir, phase.name), { withFileTypes: true })) {
      const rel = `${phase.name}/${file.name}`;
      if (file.isFile() && isDistManifestPath(rel)) files.set(rel, readFileSync(join(dir, rel), 'utf8'));
    }
  }
  return files;
}

// ---------------------------------------------------------------------------------------------
// Object and field comparison

export interface FieldChange {
  /** e.g. `spec.template.spec.containers[0].image`, `metadata.labels["app.kubernetes.io/name"]`. */
  readonly path: string;
  readonly op: 'changed' | 'added' | 'removed';
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface ChangedObject {
  readonly key: string;
  readonly name: string;
  readonly before: DistObject;
  readonly after: DistObject;
  readonly fields: FieldChange[];
}

export interface DiffResult {
  readonly added: DistObject[];
  readonly removed: DistObject[];
  readonly changed: ChangedObject[];
  readonly unchanged: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isHelmChart(m: Manifest): boolean {
  return m.kind === 'HelmChart' && groupOf(m.apiVersion) === 'helm.cattle.io';
}

/**
 * The object as it is compared and shown: a HelmChart's `spec.valuesContent` string becomes the
 * values it holds (when it parses as a YAML mapping), everything else stays as rendered.
 */
export function normalize(m: Manifest): Manifest {
  if (!isHelmChart(m) || !isObject(m.spec) || typeof m.spec.valuesContent !== 'string') return m;
  let values: unknown;
  try {
    values = parse(m.spec.valuesContent);
  } catch {
    return m;
  }
  if (!isObject(values) && values !== null) return m;
  return { ...m, spec: { ...m.spec, valuesContent: values ?? {} } };
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

function pathKey(parent: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** The changed leaves between two values; a subtree present on one side only is one change. */
export function fieldChanges(before: unknown, after: unknown, path = ''): FieldChange[] {
  const out: FieldChange[] = [];
  const walk = (a: unknown, b: unknown, p: string) => {
    if (deepEqual(a, b)) return;
    if (a === undefined) return void out.push({ path: p, op: 'added', after: b });
    if (b === undefined) return void out.push({ path: p, op: 'removed', before: a });
    if (isObject(a) && isObject(b)) {
      const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !(k in a))];
      for (const k of keys) walk(a[k], b[k], pathKey(p, k));
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${p}[${i}]`);
      return;
    }
    out.push({ path: p, op: 'changed', before: a, after: b });
  };
  walk(before, after, path);
  return out;
}

export function diffObjects(base: ReadonlyMap<string, DistObject>, head: ReadonlyMap<string, DistObject>): DiffResult {
  const order = (a: DistObject, b: DistObject) => a.file.localeCompare(b.file) || a.key.localeCompare(b.key);
  const added = [...head.values()].filter((o) => !base.has(o.key)).sort(order);
  const removed = [...base.values()].filter((o) => !head.has(o.key)).sort(order);
  const changed: ChangedObject[] = [];
  let unchanged = 0;
  for (const after of [...head.values()].sort(order)) {
    const before = base.get(after.key);
    if (!before) continue;
    const fields = fieldChanges(normalize(before.manifest), normalize(after.manifest));
    if (fields.length) changed.push({ key: after.key, name: displayName(after.manifest), before, after, fields });
    else unchanged++;
  }
  return { added, removed, changed, unchanged };
}

/** The whole comparison from file maps (`{ '04-apps/app-site.yaml': text }`). */
export function diffDist(base: ReadonlyMap<string, string>, head: ReadonlyMap<string, string>): DiffResult {
  return diffObjects(collectObjects(base), collectObjects(head));
}

// ---------------------------------------------------------------------------------------------
// Line diff (LCS) for the folded YAML view

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

// ---------------------------------------------------------------------------------------------
// Markdown for the PR comment

export const COMMENT_MARKER = '<!-- hobby-infra:rendered-diff -->';
/** GitHub rejects comments over 65536 characters; keep a margin. */
export const MAX_COMMENT_CHARS = 60_000;
const MAX_BLOCK_LINES = 300;

const toYaml = (v: unknown) => stringify(v, { lineWidth: 0, aliasDuplicateObjects: false });

/** A value on one line: scalars as they are, collections in YAML flow style, long ones cut. */
export function formatValue(v: unknown, max = 100): string {
  let s: string;
  if (typeof v === 'string') s = v === '' || /^\s|\s$|\n/.test(v) ? JSON.stringify(v) : v;
  else if (v === null || typeof v !== 'object') s = String(v);
  else s = stringify(v, { collectionStyle: 'flow', lineWidth: 0 }).trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function describeField(f: FieldChange): string {
  if (f.op === 'added') return `${f.path}: (added) ${formatValue(f.after)}`;
  if (f.op === 'removed') return `${f.path}: (removed) ${formatValue(f.before)}`;
  return `${f.path}: ${formatValue(f.before)} → ${formatValue(f.after)}`;
}

const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const code = (s: string) => `<code>${html(s)}</code>`;

function fence(lines: string[]): string {
  const cut = lines.length > MAX_BLOCK_LINES ? [...lines.slice(0, MAX_BLOCK_LINES), `… ${lines.length - MAX_BLOCK_LINES} more lines`] : lines;
  const body = cut.join('\n');
  const ticks = body.includes('```') ? '````' : '```';
  return `${ticks}diff\n${body}\n${ticks}`;
}

interface Block {
  summary: string;
  details: string;
}

function changedBlock(c: ChangedObject): Block {
  const where = c.before.file === c.after.file ? c.after.file : `${c.before.file} → ${c.after.file}`;
  const head =
    c.fields.length === 1
      ? `${code(c.name)}: ${code(describeField(c.fields[0]!))}`
      : `${code(c.name)}: ${c.fields.length} fields (${c.fields.slice(0, 3).map((f) => code(f.path)).join(', ')}${c.fields.length > 3 ? ', …' : ''})`;
  const list = c.fields.map((f) => `- ${code(describeField(f))}`).join('\n');
  const yamlDiff = unifiedDiff(toYaml(normalize(c.before.manifest)), toYaml(normalize(c.after.manifest)));
  return { summary: `🟡 changed ${head}`, details: `<sub>${html(where)}</sub>\n\n${list}\n\n${fence(yamlDiff.split('\n'))}` };
}

function wholeBlock(o: DistObject, sign: '+' | '-'): Block {
  const verb = sign === '+' ? '🟢 added' : '🔴 removed';
  const lines = toYaml(normalize(o.manifest)).replace(/\n$/, '').split('\n').map((l) => `${sign}${l}`);
  return { summary: `${verb} ${code(displayName(o.manifest))}`, details: `<sub>${html(o.file)}</sub>\n\n${fence(lines)}` };
}

export function summaryLine(r: DiffResult): string {
  return `**${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed** (${r.unchanged} unchanged)`;
}

export interface MarkdownOptions {
  /** Shown as the comparison, e.g. `main@1a2b3c4 → working tree`. */
  readonly comparing?: string;
  readonly maxChars?: number;
  /** The rendered output of the HelmCharts that changed (`diffRenderedCharts`), one folded section each. */
  readonly charts?: readonly ChartDiff[];
  /** Why charts were not rendered (no `--charts`), shown when a HelmChart changed. */
  readonly chartsNote?: string;
  /** Where the whole report is when the comment has to be cut, e.g. "the workflow artifact `rendered-diff`". */
  readonly fullReport?: string;
}

/** A folded section: its summary is kept while anything fits; its blocks are filled in as they fit. */
interface Group {
  readonly open: string;
  readonly close: string;
  readonly blocks: Block[];
}

const versionChange = (c: ChartDiff) => (c.before === c.after ? `${c.after} (values)` : `${c.before ?? '(new)'} → ${c.after ?? '(removed)'}`);

function chartGroup(c: ChartDiff): Group {
  const r = c.result;
  const counts = `${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed (${r.unchanged} unchanged)`;
  const blocks = [...r.changed.map(changedBlock), ...r.added.map((o) => wholeBlock(o, '+')), ...r.removed.map((o) => wholeBlock(o, '-'))];
  const body = blocks.length ? '' : '\n\nThe chart renders the same objects.';
  return { open: `<details><summary>📦 ${code(c.name)} ${html(versionChange(c))}: ${counts}</summary>${body}\n`, close: '\n</details>', blocks };
}

/**
 * The PR comment: a header, a summary line, one folded `<details>` per object of dist/, then one
 * folded section per changed chart holding its rendered objects that change. Within `maxChars`:
 * details are left out before summaries; if even the summaries do not fit, the comment is cut and
 * says where the full report is.
 */
export function renderMarkdown(r: DiffResult, opts: MarkdownOptions = {}): string {
  const max = opts.maxChars ?? MAX_COMMENT_CHARS;
  const charts = opts.charts ?? [];
  const chartLine = charts.length ? `\n\n**Rendered charts:** ${charts.map((c) => `${html(c.chart)} ${html(versionChange(c))}`).join(', ')}` : '';
  const header = [COMMENT_MARKER, '## Rendered diff', '', `${summaryLine(r)}${opts.comparing ? ` · ${html(opts.comparing)}` : ''}${chartLine}`, ''];
  const distBlocks = [...r.changed.map(changedBlock), ...r.added.map((o) => wholeBlock(o, '+')), ...r.removed.map((o) => wholeBlock(o, '-'))];
  const helmChanged = [...r.changed.map((c) => c.after.manifest), ...r.added.map((o) => o.manifest), ...r.removed.map((o) => o.manifest)].some(
    (m) => m.kind === 'HelmChart' && groupOf(m.apiVersion) === 'helm.cattle.io',
  );
  const note = helmChanged && !charts.length && opts.chartsNote ? [`_${opts.chartsNote}_`, ''] : [];
  if (!distBlocks.length && !charts.length) return [...header, 'No Kubernetes object changes in `dist/`.', ''].join('\n');

  const groups: Group[] = [{ open: '', close: '', blocks: distBlocks }];
  if (charts.length) groups.push({ open: '### Rendered charts\n', close: '', blocks: [] }, ...charts.map(chartGroup));
  const where = opts.fullReport ? `the full report is ${opts.fullReport}` : 'run `npm run diff` locally for the full report';
  const omitted = opts.fullReport ? `_Details left out: the comment is too long; see ${html(opts.fullReport)}._` : '_Details left out: the comment is too long. Run `npm run diff` locally._';
  const render = (b: Block, withDetails: boolean) => `<details><summary>${b.summary}</summary>\n\n${withDetails ? b.details : omitted}\n\n</details>`;
  const lines = (parts: string[]) => [...header, ...note, ...parts, ''].join('\n');

  // Every one-line summary is kept when they all fit; details are filled in order while they fit.
  const skeletonParts = groups.flatMap((g) => [g.open, ...g.blocks.map((b) => render(b, false)), g.close].filter(Boolean));
  const skeleton = lines(skeletonParts).length;
  if (skeleton <= max) {
    let budget = max - skeleton;
    const parts = groups.flatMap((g) => {
      const blocks = g.blocks.map((b) => {
        const extra = b.details.length - omitted.length;
        if (extra > budget) return render(b, false);
        budget -= extra;
        return render(b, true);
      });
      return [g.open, ...blocks, g.close].filter(Boolean);
    });
    return lines(parts);
  }
  // Too many objects even for their summaries: keep what fits, close the open section, point on.
  const cut = `**The comment is cut to fit GitHub's size limit: ${html(where)}.**`;
  let budget = max - lines([]).length - cut.length - 64;
  const parts: string[] = [];
  let left = 0;
  for (const g of groups) {
    const open = g.open ? [g.open] : [];
    if (left || open.join('\n').length + g.close.length + 2 > budget) {
      left += g.blocks.length;
      continue;
    }
    parts.push(...open);
    budget -= open.join('\n').length + 1 + g.close.length + 1;
    for (const b of g.blocks) {
      const text = render(b, false);
      if (left || text.length + 1 > budget) left++;
      else (parts.push(text), (budget -= text.length + 1));
    }
    if (g.close) parts.push(g.close);
  }
  return lines([...parts, `${cut} (${left} more objects)`]);
}

/** One line per object, for a terminal. */
export function renderText(r: DiffResult, charts: readonly ChartDiff[] = []): string {
  const objects = (d: DiffResult, indent: string) => [
    ...d.changed.flatMap((c) => [`${indent}~ ${c.name}`, ...c.fields.map((f) => `${indent}    ${describeField(f)}`)]),
    ...d.added.map((o) => `${indent}+ ${displayName(o.manifest)}`),
    ...d.removed.map((o) => `${indent}- ${displayName(o.manifest)}`),
  ];
  const lines = [
    `${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed (${r.unchanged} unchanged)`,
    ...objects(r, ''),
    ...charts.flatMap((c) => [
      `chart ${c.name} ${versionChange(c)}: ${c.result.added.length} added, ${c.result.removed.length} removed, ${c.result.changed.length} changed (${c.result.unchanged} unchanged)`,
      ...objects(c.result, '  '),
    ]),
  ];
  return `${lines.join('\n')}\n`;
}
