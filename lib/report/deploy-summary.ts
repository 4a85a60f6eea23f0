import { deployVerdict, formatSeconds, type DeployInputs } from './deploy-outcome';
import type { PhaseReport, SmokeReport } from './deploy-report';
import { escapeHtml } from '../delivery/diff-report';

/*
 * The deploy job's summary (the Markdown written to $GITHUB_STEP_SUMMARY): the outcome and the
 * failed step, then per phase what was sent and pruned (collapsed when long), each health check
 * with each problem named, the smoke check per host, and the time each phase took.
 * GitHub takes at most 1 MiB of summary per step ("$GITHUB_STEP_SUMMARY upload aborted, supports
 * content up to a size of 1024k", docs.github.com: workflow commands, "Adding a job summary"), so
 * lists are capped and the whole is cut below that. Text from the cluster (condition messages,
 * helm's output) is escaped: it is data, never Markdown or HTML of its own.
 */

export interface DeployContext {
  /** `owner/name`. */
  readonly repository: string;
  readonly sha: string;
  /** The workflow run, for the links. */
  readonly runUrl?: string;
  /** The platform's public URL, when dist/ routes one. */
  readonly environmentUrl?: string;
}

/** A list longer than this is collapsed under <details>. */
export const COLLAPSE_AFTER = 10;
/** At most this many entries of one list; the rest is counted. */
export const LIST_CAP = 300;
/** Below GitHub's 1 MiB per step, with room for the cut's note. */
export const SUMMARY_BYTES = 1_000_000;

/** Inline text as data: no Markdown, no HTML, one line (table cells included). */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/[\\`*_[\]#|~!]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;


/** A bullet list under `<phase>: <label>`, capped, collapsed under <details> when long. */
function list(phase: string, label: string, items: readonly string[]): string[] {
  const shown = items.slice(0, LIST_CAP).map((i) => `- ${escapeMarkdown(i)}`);
  if (items.length > LIST_CAP) shown.push(`- … and ${items.length - LIST_CAP} more (see the job's log)`);
  // Markdown is not read inside <summary>: there the phase is HTML-escaped and bold in HTML.
  if (items.length <= COLLAPSE_AFTER) return [`**${escapeMarkdown(phase)}**: ${label}:`, '', ...shown, ''];
  return [`<details><summary><b>${escapeHtml(phase)}</b>: ${label}</summary>`, '', ...shown, '', '</details>', ''];
}

function healthCell(phase: PhaseReport): string {
  const checks = phase.health ?? [];
  if (!checks.length) return 'not checked';
  const problems = checks.reduce((n, h) => n + h.problems.length, 0);
  return problems ? `❌ ${plural(problems, 'problem')}` : `✅ ${plural(checks.length, 'check')}, ${plural(checks.reduce((n, h) => n + h.objects, 0), 'object')}`;
}

function phaseSections(phases: readonly PhaseReport[]): string[] {
  const out = ['| phase | took | sent | pruned | health |', '| --- | ---: | ---: | ---: | --- |'];
  for (const p of phases) out.push(`| ${escapeMarkdown(p.phase)} | ${formatSeconds(p.seconds)} | ${p.sent.length} | ${p.pruned.length} | ${healthCell(p)} |`);
  out.push('');
  const changed = phases.filter((p) => p.sent.length || p.pruned.length);
  out.push('### What changed', '');
  if (!changed.length) out.push('Nothing: the cluster already matched `dist/`.', '');
  for (const p of changed) {
    if (p.sent.length) out.push(...list(p.phase, `${plural(p.sent.length, 'object')} sent`, p.sent));
    if (p.pruned.length) out.push(...list(p.phase, `${plural(p.pruned.length, 'object')} pruned`, p.pruned));
  }
  out.push('### Health', '');
  const checked = phases.filter((p) => (p.health ?? []).length);
  if (!checked.length) out.push('No health check ran.', '');
  for (const p of checked) {
    out.push(`**${escapeMarkdown(p.phase)}**`, '');
    for (const h of p.health) {
      const head = `${h.problems.length ? '❌' : '✅'} ${escapeMarkdown(h.check)} (${plural(h.objects, 'object')})`;
      out.push(h.problems.length ? `- ${head}: ${plural(h.problems.length, 'problem')}` : `- ${head}`);
      for (const x of h.problems.slice(0, LIST_CAP)) out.push(`  - \`${x.object.replace(/`/g, "'")}\`: ${escapeMarkdown(x.message)}`);
      if (h.problems.length > LIST_CAP) out.push(`  - … and ${h.problems.length - LIST_CAP} more (see the job's log)`);
    }
    out.push('');
  }
  return out;
}

function smokeSection(smoke: SmokeReport): string[] {
  const out = ['### Smoke check', ''];
  if (!smoke.results.length) return [...out, 'No host to check: `dist/` routes none.', ''];
  out.push('| host | expects | result | status | tries | took |', '| --- | --- | --- | ---: | ---: | ---: |');
  for (const r of smoke.results) {
    const result = r.ok ? `✅ ${escapeMarkdown(r.detail || 'ok')}` : `❌ ${escapeMarkdown(r.detail)}`;
    out.push(`| ${escapeMarkdown(r.url || r.host)} | ${r.expect} | ${result} | ${r.status ?? '–'} | ${r.attempts} | ${formatSeconds(r.seconds)} |`);
  }
  out.push('');
  return out;
}

/** The job summary for one deploy. */
export function deploySummaryMarkdown(inputs: DeployInputs, context: DeployContext): string {
  const verdict = deployVerdict(inputs);
  const short = context.sha.slice(0, 7);
  const out = [`## ${verdict.ok ? '✅' : '❌'} Deploy of \`${short}\`: ${escapeMarkdown(verdict.headline)}`, ''];
  const links = [context.environmentUrl && `[${escapeMarkdown(context.environmentUrl)}](${context.environmentUrl})`, context.runUrl && `[this run](${context.runUrl})`].filter(Boolean);
  if (links.length) out.push(links.join(' · '), '');
  if ('missing' in inputs.apply) {
    out.push(`The apply wrote no report: ${escapeMarkdown(inputs.apply.missing)}. What it did is in the job's log.`, '');
  } else {
    const apply = inputs.apply.report;
    if (apply.failed) {
      const objects = apply.failed.objects.length ? `: ${apply.failed.objects.map((o) => `\`${o.replace(/`/g, "'")}\``).join(', ')}` : '';
      out.push(`**Failed step**: ${escapeMarkdown(apply.failed.phase)}, ${escapeMarkdown(apply.failed.step)}${objects}`, '');
    }
    const mode = apply.mode === 'apply' ? 'The apply' : `The apply (${escapeMarkdown(apply.mode)})`;
    out.push(`${mode} ended with exit ${apply.code} after ${formatSeconds(apply.seconds)}: ${escapeMarkdown(apply.message)}`, '');
    out.push(...phaseSections(apply.phases));
  }
  if (inputs.smoke) {
    const applied = 'report' in inputs.apply && inputs.apply.report.code === 0 && (inputs.applyExit ?? 0) === 0;
    if ('missing' in inputs.smoke) out.push('### Smoke check', '', applied ? `No report: ${escapeMarkdown(inputs.smoke.missing)}.` : 'Not run: the apply did not succeed.', '');
    else out.push(...smokeSection(inputs.smoke.report));
  }
  const text = `${out.join('\n').trimEnd()}\n`;
  if (Buffer.byteLength(text) <= SUMMARY_BYTES) return text;
  // Cut on a line, under the cap, and say so (GitHub would drop the whole summary otherwise).
  const cut = Buffer.from(text).subarray(0, SUMMARY_BYTES).toString('utf8');
  return `${cut.slice(0, cut.lastIndexOf('\n'))}\n\n… the summary was cut at ${SUMMARY_BYTES} bytes (GitHub takes 1 MiB per step); the rest is in the job's log.\n`;
}
