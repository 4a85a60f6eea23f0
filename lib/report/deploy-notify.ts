import { messageText, type FeedbackMessage } from './deploy-message';
import { escapeHtml } from '../delivery/diff-report';

/*
 * A FeedbackMessage as the request an incoming webhook takes, in the three formats a homelab uses,
 * each within its service's documented limits (cut, never rejected):
 *   ntfy     POST, the body plain text; Title, Priority, Tags and Click headers (docs.ntfy.sh/publish:
 *            "Message title", "Message priority" 1-5 or min/low/default/high/max, "Tags & emojis",
 *            "Click action"). A body over 4,096 bytes becomes an attachment (ntfy's message size
 *            limit, 4k since v1.11.0), so the body is cut below it. fetch refuses credentials in a
 *            URL, so `https://user:pass@host/topic` is sent with Basic auth instead.
 *   Discord  POST JSON `{content, embeds}` (discord.com/developers/docs/resources/webhook#execute-webhook):
 *            content up to 2,000 characters, up to 10 embeds; an embed's title up to 256, its
 *            description up to 4,096, all embeds together up to 6,000 (Message resource, "Embed
 *            limits"). `allowed_mentions: {parse: []}`: text from the cluster never pings anyone.
 *   Slack    POST JSON `{text, blocks}` (docs.slack.dev, incoming webhooks; Block Kit reference):
 *            up to 50 blocks a message, a header's plain_text up to 150 characters, a section's
 *            text up to 3,000; `text` is the notification's fallback. mrkdwn needs &, < and > escaped.
 * The URL is a secret (a Discord or Slack webhook URL is its own credential, an ntfy topic is a
 * password): nothing here or in the caller prints it; redact() strips it from any text shown.
 */

export const NOTIFY_FORMATS = ['ntfy', 'discord', 'slack'] as const;
export type NotifyFormat = (typeof NOTIFY_FORMATS)[number];

export interface WebhookRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * The format a webhook URL's host implies: Discord's and Slack's webhooks live on their own hosts
 * (discord.com, hooks.slack.com); any other host is ntfy (ntfy.sh, or an ntfy of your own, the one
 * of the three that is self-hosted). A Slack- or Discord-compatible endpoint elsewhere (Mattermost's
 * incoming webhooks take Slack's payload) needs DEPLOY_NOTIFY_FORMAT.
 */
export function guessFormat(url: URL): NotifyFormat {
  const host = url.hostname.toLowerCase();
  if (/(^|\.)discord(app)?\.com$/.test(host)) return 'discord';
  if (host === 'hooks.slack.com') return 'slack';
  return 'ntfy';
}

/** `text` with every part of the webhook URL that could be a credential replaced by `***`. */
export function redactor(url: string): (text: string) => string {
  const secrets = new Set<string>([url]);
  try {
    const parsed = new URL(url);
    secrets.add(parsed.href).add(`${parsed.host}${parsed.pathname}`);
    for (const part of [parsed.username, parsed.password, ...parsed.pathname.split('/'), ...parsed.searchParams.values()]) if (part.length >= 4) secrets.add(decodeURIComponent(part)).add(part);
  } catch {
    // Not a URL: the whole text given is the secret.
  }
  const ordered = [...secrets].filter(Boolean).sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((t, s) => t.split(s).join('***'), text);
}

/** `text` cut to `max` (UTF-16 units, as the services count), with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `text` cut to `max` UTF-8 bytes, on a character. */
function clipBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  const cut = Buffer.from(text).subarray(0, max - 3).toString('utf8').replace(/\uFFFD$/, '');
  return `${cut}…`;
}

const COLOURS = { failure: 0xd93f0b, drift: 0xfbca04, success: 0x2ea44f } as const;
const NTFY = { failure: { priority: 'high', tags: 'rotating_light,deploy' }, drift: { priority: 'default', tags: 'warning,drift' }, success: { priority: 'low', tags: 'white_check_mark,deploy' } } as const;
const discordText = (text: string) => text.replace(/[\\*_~`|<>#[\]()]/g, (c) => `\\${c}`);

function ntfyRequest(url: URL, message: FeedbackMessage): WebhookRequest {
  const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8', Title: message.title, Priority: NTFY[message.kind].priority, Tags: NTFY[message.kind].tags };
  if (message.link) headers.Click = message.link;
  if (url.username || url.password) {
    headers.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { url: url.href, headers, body: clipBytes(messageText({ ...message, link: undefined }), 4000) };
}

function discordRequest(url: URL, message: FeedbackMessage): WebhookRequest {
  const description = message.lines.map((l) => `- ${discordText(l)}`).join('\n');
  const embed = { title: clip(message.title, 256), color: COLOURS[message.kind], ...(message.link ? { url: message.link } : {}), ...(description ? { description: clip(description, 4096) } : {}) };
  const payload = { content: clip(discordText(message.summary), 2000), embeds: [embed], allowed_mentions: { parse: [] } };
  return { url: url.href, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload) };
}

function slackRequest(url: URL, message: FeedbackMessage): WebhookRequest {
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(message.title, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(escapeHtml(message.summary), 3000) } },
  ];
  if (message.lines.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(message.lines.map((l) => `• ${escapeHtml(l)}`).join('\n'), 3000) } });
  if (message.link) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${message.link}|${message.kind === 'drift' ? 'The drift issue' : 'The run'}>` }] });
  return { url: url.href, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: clip(message.summary, 3000), blocks }) };
}

/** The request that posts `message` to the webhook at `url` in `format`. */
export function webhookRequest(format: NotifyFormat, url: string, message: FeedbackMessage): WebhookRequest {
  const parsed = new URL(url);
  return format === 'ntfy' ? ntfyRequest(parsed, message) : format === 'discord' ? discordRequest(parsed, message) : slackRequest(parsed, message);
}

export type PostFetch = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal }) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

/** Posts the request; resolves with a problem in one line (the URL redacted), or undefined when delivered. */
export async function postWebhook(format: NotifyFormat, request: WebhookRequest, fetchImpl: PostFetch = fetch, timeoutMs = 15_000): Promise<string | undefined> {
  const redact = redactor(request.url);
  const where = `the ${format} webhook at ${new URL(request.url).host}`;
  try {
    const response = await fetchImpl(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(timeoutMs) });
    if (response.ok) return undefined;
    const body = redact((await response.text().catch(() => '')).replace(/\s+/g, ' ').trim()).slice(0, 200);
    return `${where} answered HTTP ${response.status}${body ? ` (${body})` : ''}, expected 2xx`;
  } catch (error) {
    const { message, cause } = error as Error & { cause?: { message?: string } };
    return `${where} could not be reached: ${redact(cause?.message ?? message)}`;
  }
}
