import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DRIFT_OUTPUT, FAILED, feedback as run, RUN_URL, secretFree, SHA, webhook, writeIn } from './fixtures/deploy-feedback';

/*
 * `deploy-feedback notify` as the deploy and drift jobs run it: the real CLI (spawned) against
 * local servers playing the ntfy, Discord and Slack incoming webhooks. The requests are asserted
 * whole; the webhook URL (a secret) never appears in what the command prints, even when the
 * service echoes it back.
 */

const work = mkdtempSync(join(tmpdir(), 'hobby-notify-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const feedback = (args: string[], env: Record<string, string> = {}) => run(work, args, env);
const file = writeIn(work);

describe('notify', () => {
  it('posts to ntfy: plain text naming the failed step and object, Title, Priority, Tags and Click headers, Basic auth from the URL; the URL never printed', async () => {
    const hook = await webhook(200, '{"id":"x"}');
    try {
      const topic = 'deploys-s3cr3t-topic';
      const url = `${hook.url.replace('http://', 'http://alerts:pa55word@')}/${topic}`;
      const result = await feedback(['notify', '--apply-report', file('failed3.json', FAILED), '--smoke-report', join(work, 'none.json'), '--apply-exit', '2'], { DEPLOY_NOTIFY_URL: url, GITHUB_REPOSITORY: 'me/infra', GITHUB_SHA: SHA, GITHUB_RUN_ID: '77', GITHUB_SERVER_URL: 'https://github.example' });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toBe(`deploy-feedback: sent "Deploy failed: me/infra@0123456" to the ntfy webhook at ${new URL(hook.url).host}\n`);
      secretFree(result, topic, 'pa55word', url);
      const [request] = hook.requests;
      expect(request!.path).toBe(`/${topic}`);
      expect(request!.headers).toMatchObject({ title: 'Deploy failed: me/infra@0123456', priority: 'high', tags: 'rotating_light,deploy', click: RUN_URL, authorization: `Basic ${Buffer.from('alerts:pa55word').toString('base64')}` });
      expect(request!.body).toBe(
        'Deploy of me/infra@0123456 failed: the apply failed in 02-helm-charts (wait for HelmChart installs): HelmChart kube-system/traefik\n' +
          '- apply: 02-helm-charts: HelmChart kube-system/traefik failed to install\n' +
          '- 02-helm-charts: HelmChart installs: HelmChart kube-system/traefik: Error: INSTALLATION FAILED: <script>x</script> | values',
      );
    } finally {
      await hook.close();
    }
  });

  it('posts to Discord ({content, embeds}, no mentions) and to Slack ({text, blocks}) by DEPLOY_NOTIFY_FORMAT', async () => {
    const hook = await webhook(204);
    try {
      const discord = await feedback(['notify', '--apply-report', file('failed4.json', FAILED), '--apply-exit', '2'], { DEPLOY_NOTIFY_URL: `${hook.url}/api/webhooks/123/tok-SECRET`, DEPLOY_NOTIFY_FORMAT: 'discord', GITHUB_REPOSITORY: 'me/infra', GITHUB_SHA: SHA });
      expect(discord.status, discord.stderr).toBe(0);
      secretFree(discord, 'tok-SECRET');
      const sent = JSON.parse(hook.requests[0]!.body);
      expect(hook.requests[0]!.headers['content-type']).toBe('application/json');
      expect(sent.content).toBe('Deploy of me/infra@0123456 failed: the apply failed in 02-helm-charts \\(wait for HelmChart installs\\): HelmChart kube-system/traefik');
      expect(sent.allowed_mentions).toEqual({ parse: [] });
      expect(sent.embeds).toHaveLength(1);
      expect(sent.embeds[0]).toMatchObject({ title: 'Deploy failed: me/infra@0123456', color: 0xd93f0b });
      expect(sent.embeds[0].description).toContain('HelmChart kube-system/traefik: Error: INSTALLATION FAILED: \\<script\\>x\\</script\\> \\| values');

      const slack = await feedback(['notify', '--format', 'slack', '--drift-report', file('drift.txt', DRIFT_OUTPUT), '--link', 'https://github.example/me/infra/issues/5'], { DEPLOY_NOTIFY_URL: `${hook.url}/services/T0/B0/xoxSECRET`, GITHUB_REPOSITORY: 'me/infra' });
      expect(slack.status, slack.stderr).toBe(0);
      secretFree(slack, 'xoxSECRET');
      expect(JSON.parse(hook.requests[1]!.body)).toEqual({
        text: 'The drift check found the cluster different from main (2 findings).',
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'Drift: me/infra differs from main' } },
          { type: 'section', text: { type: 'mrkdwn', text: 'The drift check found the cluster different from main (2 findings).' } },
          { type: 'section', text: { type: 'mrkdwn', text: '• differs from dist/04-apps: Deployment site/site\n• labels added by hand: ConfigMap site/x (team)' } },
          { type: 'context', elements: [{ type: 'mrkdwn', text: '<https://github.example/me/infra/issues/5|The drift issue>' } ] },
        ],
      });
    } finally {
      await hook.close();
    }
  });

  it('fails in one line, the URL redacted even where the service echoes it, when the webhook refuses', async () => {
    const hook = await webhook(404, 'no webhook at /api/webhooks/9/tok-ECHOED here');
    try {
      const url = `${hook.url}/api/webhooks/9/tok-ECHOED`;
      const result = await feedback(['notify', '--format', 'discord', '--drift-report', file('drift2.txt', DRIFT_OUTPUT)], { DEPLOY_NOTIFY_URL: url });
      expect(result.status).toBe(1);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(new RegExp(`^deploy-feedback: notify: the discord webhook at ${new URL(hook.url).host} answered HTTP 404 \\(no webhook at .*\\*\\*\\*.* here\\), expected 2xx; no message was delivered\\n$`));
      secretFree(result, 'tok-ECHOED', url);
    } finally {
      await hook.close();
    }
  });

  it('sends nothing, and says so, when DEPLOY_NOTIFY_URL is not set (notifications are opt-in)', async () => {
    const result = await feedback(['notify', '--drift-report', file('drift3.txt', DRIFT_OUTPUT)]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^deploy-feedback: DEPLOY_NOTIFY_URL is not set: no message sent/);
  });

  it('refuses an unknown format in the project\'s words', async () => {
    const result = await feedback(['notify', '--drift-report', file('drift4.txt', DRIFT_OUTPUT)], { DEPLOY_NOTIFY_URL: 'https://ntfy.sh/x', DEPLOY_NOTIFY_FORMAT: 'teams' });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('deploy-feedback: DEPLOY_NOTIFY_FORMAT: got "teams", expected one of ntfy, discord, slack (see --help)\n');
  });
});

