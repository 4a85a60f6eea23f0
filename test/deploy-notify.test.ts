import { describe, expect, it } from 'vitest';
import { deployMessage, driftFindings, driftMessage, MESSAGE_LINES } from '../lib/report/deploy-message';
import { guessFormat, redactor, webhookRequest } from '../lib/report/deploy-notify';
import { deployVerdict, loadReport } from '../lib/report/deploy-outcome';
import type { ApplyReport } from '../lib/report/deploy-report';
import { deploySummaryMarkdown, escapeMarkdown, SUMMARY_BYTES } from '../lib/report/deploy-summary';
import { environmentUrlOf } from '../lib/report/github-deployment';

/*
 * The deploy's feedback within each service's documented limits (lib/report/deploy-notify.ts cites
 * them): a report far larger than any real one is cut to fit, never refused by the service. And the
 * verdict, the drift findings and the environment URL on their own. The CLI and the requests on the
 * wire: test/deploy-feedback.test.ts.
 */

const SHA = 'abcdef0123456789abcdef0123456789abcdef01';
const long = (n: number, unit = 'é🙂x') => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
/** A failed apply with 2,000 unhealthy objects, each with a 600-character message of multi-byte text. */
const HUGE: ApplyReport = {
  kind: 'apply',
  mode: 'apply',
  code: 2,
  message: long(5000),
  seconds: 900,
  failed: { phase: '05-rollouts', step: 'wait for rollouts', objects: Array.from({ length: 400 }, (_, i) => `Deployment app-${i}/app-${i}`) },
  phases: [{ phase: '05-rollouts', seconds: 900, sent: Array.from({ length: 5000 }, (_, i) => `Deployment app-${i}/app-${i}: ${long(150)}`), pruned: [], health: [{ check: 'rollouts', objects: 2000, problems: Array.from({ length: 2000 }, (_, i) => ({ object: `Deployment app-${i}/app-${i}`, message: long(600) })) }] }],
};
const context = { repository: `me/${long(300, 'infra')}`, sha: SHA, runUrl: 'https://github.com/me/infra/actions/runs/1' };
const message = deployMessage({ apply: { report: HUGE } }, context);

describe('each format within its service\'s limits', () => {
  it('Discord: content up to 2,000, at most 10 embeds, title up to 256, description up to 4,096, all embeds up to 6,000; no mentions', () => {
    const body = JSON.parse(webhookRequest('discord', 'https://discord.com/api/webhooks/1/t', message).body);
    expect(body.content.length).toBeLessThanOrEqual(2000);
    expect(body.embeds.length).toBeLessThanOrEqual(10);
    for (const e of body.embeds) {
      expect(e.title.length).toBeLessThanOrEqual(256);
      expect(e.description.length).toBeLessThanOrEqual(4096);
    }
    expect(body.embeds.reduce((n: number, e: { title: string; description: string }) => n + e.title.length + e.description.length, 0)).toBeLessThanOrEqual(6000);
    expect(body.allowed_mentions).toEqual({ parse: [] });
  });

  it('Slack: at most 50 blocks, a header up to 150, each section up to 3,000, and the fallback text', () => {
    const body = JSON.parse(webhookRequest('slack', 'https://hooks.slack.com/services/T/B/x', message).body);
    expect(body.blocks.length).toBeLessThanOrEqual(50);
    expect(body.blocks[0].type).toBe('header');
    expect(body.blocks[0].text.text.length).toBeLessThanOrEqual(150);
    for (const b of body.blocks.filter((b: { type: string }) => b.type === 'section')) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    expect(body.text.length).toBeGreaterThan(0);
  });

  it('ntfy: a body under 4,096 bytes (more would become an attachment), headers of printable ASCII', () => {
    const request = webhookRequest('ntfy', 'https://ntfy.sh/topic', message);
    expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(4096);
    for (const value of Object.values(request.headers)) expect(value).toMatch(/^[\x20-\x7e]*$/);
    // The message keeps its head: the failed step and the first objects.
    expect(request.body).toMatch(/^Deploy of me\/.*@abcdef0 failed: the apply failed in 05-rollouts \(wait for rollouts\): Deployment app-0\/app-0, /);
  });

  it('the message itself: at most MESSAGE_LINES problem lines, the rest counted', () => {
    expect(message.lines).toHaveLength(MESSAGE_LINES + 1);
    expect(message.lines.at(-1)).toBe('… and 1986 more (see the run)');
  });

  it('the job summary stays under GitHub\'s 1 MiB per step: lists capped, and the whole cut on a line when still over', () => {
    const text = deploySummaryMarkdown({ apply: { report: HUGE } }, context);
    expect(text).toContain('- … and 4700 more (see the job\'s log)');
    const phases = Array.from({ length: 8 }, (_, i) => ({ ...HUGE.phases[0]!, phase: `0${i}-phase` }));
    const cut = deploySummaryMarkdown({ apply: { report: { ...HUGE, phases } } }, context);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1024 * 1024);
    expect(Buffer.byteLength(cut)).toBeGreaterThan(SUMMARY_BYTES - 2000);
    expect(cut).toMatch(/\n\n… the summary was cut at 1000000 bytes \(GitHub takes 1 MiB per step\); the rest is in the job's log\.\n$/);
  });
});

describe('the webhook URL', () => {
  it('names its format by host: Discord and Slack on their own, anything else ntfy', () => {
    expect(guessFormat(new URL('https://discord.com/api/webhooks/1/t'))).toBe('discord');
    expect(guessFormat(new URL('https://hooks.slack.com/services/T/B/x'))).toBe('slack');
    expect(guessFormat(new URL('https://ntfy.sh/deploys'))).toBe('ntfy');
    expect(guessFormat(new URL('https://push.example.org/deploys'))).toBe('ntfy');
  });

  it('is redacted whole and in parts (the token, the topic, the password)', () => {
    // Built from parts: a URL with credentials in the source is what secretlint rightly refuses.
    const url = `https://${['user', 'hunter22'].join(':')}@ntfy.example.org/deploys-topic?auth=tk_abcdef`;
    const redact = redactor(url);
    expect(redact(`posting to ${url} failed`)).toBe('posting to *** failed');
    expect(redact('topic deploys-topic, password hunter22, token tk_abcdef')).toBe('topic ***, password ***, token ***');
  });
});

describe('the verdict, the drift findings, the environment URL', () => {
  const ok: ApplyReport = { kind: 'apply', mode: 'apply', code: 0, message: 'done', seconds: 1, phases: [] };
  it('takes the exit codes over a report that says otherwise, and a missing report as a failure', () => {
    expect(deployVerdict({ apply: { report: ok } }).ok).toBe(true);
    expect(deployVerdict({ apply: { report: ok }, applyExit: 2 })).toMatchObject({ ok: false, headline: 'the apply failed (exit 2): done' });
    expect(deployVerdict({ apply: { report: ok }, applyExit: 0, smoke: { missing: 'smoke.json: got no file' } })).toMatchObject({ ok: false, headline: 'the smoke check left no report' });
    expect(deployVerdict({ apply: { report: { ...ok, code: 3, failed: { phase: '04-apps', step: 'prune', objects: ['Namespace old'] } } } }).headline).toBe('the prune guard refused in 04-apps (prune): Namespace old');
    expect(deployVerdict({ apply: loadReport('apply', 'a.json', '{"kind":"apply","code":0}') })).toMatchObject({ ok: false, problems: ['a.json: phases: got undefined, expected a list of objects'] });
  });

  it('reads the objects that differ from the drift check\'s output, never the diff\'s lines', () => {
    const diffOnly = 'diff -u -N /tmp/LIVE-1/v1.ConfigMap.site.settings /tmp/MERGED-1/v1.ConfigMap.site.settings\n-  password: hunter2\n+  password: hunter3\n';
    expect(driftFindings(diffOnly)).toEqual(['differs: v1.ConfigMap.site.settings']);
    expect(driftMessage(diffOnly, { repository: 'me/infra' }).lines.join('\n')).not.toContain('hunter');
    expect(driftFindings('apply: cannot resolve the target API server\n')).toEqual(['apply: cannot resolve the target API server']);
  });

  it('takes the apex of the routed hosts as the environment URL', () => {
    expect(environmentUrlOf(['www.example.org', 'notes.example.org', 'example.org'])).toBe('https://example.org/');
    expect(environmentUrlOf(['b.example.org', 'a.example.org'])).toBe('https://a.example.org/');
    expect(environmentUrlOf([])).toBeUndefined();
  });

  it('escapes Markdown and HTML in the cluster\'s text', () => {
    expect(escapeMarkdown('a | b <img src=x> *c*\n[d](e)')).toBe('a \\| b &lt;img src=x&gt; \\*c\\* \\[d\\](e)');
  });
});
