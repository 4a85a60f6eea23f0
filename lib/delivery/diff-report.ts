import { stringify } from 'yaml';
import { groupOf } from '../render';
import { describeLoss, type ChartDataLoss } from './chart-data';
import { normalize, type ChangedObject, type DiffResult, type FieldChange } from './diff';
import type { ChartDiff } from './helm';
import { unifiedDiff } from './line-diff';
import { displayName, type DistObject } from './manifests';

/*
 * The rendered diff as people read it: Markdown for the PR comment (within GitHub's size limit,
 * one folded section per object and per changed chart) or one line per object for a terminal,
 * led by what a chart change would make helm delete (lib/delivery/chart-data.ts).
 */

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

/** `&`, `<` and `>` escaped: text inside HTML (the PR comment's and the job summary's details), or Slack's mrkdwn, which escapes the same three. */
export const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const code = (s: string) => `<code>${escapeHtml(s)}</code>`;

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
  return { summary: `🟡 changed ${head}`, details: `<sub>${escapeHtml(where)}</sub>\n\n${list}\n\n${fence(yamlDiff.split('\n'))}` };
}

function wholeBlock(o: DistObject, sign: '+' | '-'): Block {
  const verb = sign === '+' ? '🟢 added' : '🔴 removed';
  const lines = toYaml(normalize(o.manifest)).replace(/\n$/, '').split('\n').map((l) => `${sign}${l}`);
  return { summary: `${verb} ${code(displayName(o.manifest))}`, details: `<sub>${escapeHtml(o.file)}</sub>\n\n${fence(lines)}` };
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
  /** What the chart changes would make helm delete (`chartDataLosses`), shown first and never cut. */
  readonly dataLosses?: readonly ChartDataLoss[];
  /** Whether `--allow-destructive` lets those losses through. */
  readonly allowDestructive?: boolean;
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
  return { open: `<details><summary>📦 ${code(c.name)} ${escapeHtml(versionChange(c))}: ${counts}</summary>${body}\n`, close: '\n</details>', blocks };
}

/** The lines that lead the report when chart changes would delete data; empty otherwise. */
export function dataLossLines(losses: readonly ChartDataLoss[], allowed: boolean, markdown = true): string[] {
  if (!losses.length) return [];
  const item = (l: ChartDataLoss) => (markdown ? `- ${code(describeLoss(l))}` : `  ${describeLoss(l)}`);
  const title = allowed ? 'Helm will delete data the prune guard cannot see (allowed by --allow-destructive)' : 'Helm would delete data the prune guard cannot see: refused';
  const why =
    'These objects belong to the charts, not to dist/: helm deletes them when the new render drops them. To keep the data, let dist/ own it ' +
    '(the object in 01-prerequisites with `helm.sh/resource-policy: keep`, given to the chart as its existing claim, as charts/uptime-kuma.ts does); ' +
    (allowed ? 'the deletion was allowed with --allow-destructive.' : 'if the deletion is intended, give --allow-destructive.');
  return markdown ? [`### ${allowed ? '⚠️' : '⛔'} ${escapeHtml(title)}`, '', ...losses.map(item), '', escapeHtml(why), ''] : [`${title}:`, ...losses.map(item), why];
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
  const chartLine = charts.length ? `\n\n**Rendered charts:** ${charts.map((c) => `${escapeHtml(c.chart)} ${escapeHtml(versionChange(c))}`).join(', ')}` : '';
  const losses = dataLossLines(opts.dataLosses ?? [], opts.allowDestructive === true);
  const header = [COMMENT_MARKER, '## Rendered diff', '', `${summaryLine(r)}${opts.comparing ? ` · ${escapeHtml(opts.comparing)}` : ''}${chartLine}`, '', ...losses];
  const distBlocks = [...r.changed.map(changedBlock), ...r.added.map((o) => wholeBlock(o, '+')), ...r.removed.map((o) => wholeBlock(o, '-'))];
  const helmChanged = [...r.changed.map((c) => c.after.manifest), ...r.added.map((o) => o.manifest), ...r.removed.map((o) => o.manifest)].some(
    (m) => m.kind === 'HelmChart' && groupOf(m.apiVersion) === 'helm.cattle.io',
  );
  const note = helmChanged && !charts.length && opts.chartsNote ? [`_${opts.chartsNote}_`, ''] : [];
  if (!distBlocks.length && !charts.length) return [...header, 'No Kubernetes object changes in `dist/`.', ''].join('\n');

  const groups: Group[] = [{ open: '', close: '', blocks: distBlocks }];
  if (charts.length) groups.push({ open: '### Rendered charts\n', close: '', blocks: [] }, ...charts.map(chartGroup));
  const where = opts.fullReport ? `the full report is ${opts.fullReport}` : 'run `npm run diff` locally for the full report';
  const omitted = opts.fullReport ? `_Details left out: the comment is too long; see ${escapeHtml(opts.fullReport)}._` : '_Details left out: the comment is too long. Run `npm run diff` locally._';
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
  const cut = `**The comment is cut to fit GitHub's size limit: ${escapeHtml(where)}.**`;
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

/** One line per object, for a terminal; what the chart changes would make helm delete comes first. */
export function renderText(r: DiffResult, charts: readonly ChartDiff[] = [], losses: readonly ChartDataLoss[] = [], allowDestructive = false): string {
  const objects = (d: DiffResult, indent: string) => [
    ...d.changed.flatMap((c) => [`${indent}~ ${c.name}`, ...c.fields.map((f) => `${indent}    ${describeField(f)}`)]),
    ...d.added.map((o) => `${indent}+ ${displayName(o.manifest)}`),
    ...d.removed.map((o) => `${indent}- ${displayName(o.manifest)}`),
  ];
  const lines = [
    ...dataLossLines(losses, allowDestructive, false),
    `${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed (${r.unchanged} unchanged)`,
    ...objects(r, ''),
    ...charts.flatMap((c) => [
      `chart ${c.name} ${versionChange(c)}: ${c.result.added.length} added, ${c.result.removed.length} removed, ${c.result.changed.length} changed (${c.result.unchanged} unchanged)`,
      ...objects(c.result, '  '),
    ]),
  ];
  return `${lines.join('\n')}\n`;
}
