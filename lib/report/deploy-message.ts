import { parseDiffObjects } from '../delivery/manifests';
import { deployVerdict, type DeployInputs } from './deploy-outcome';
import type { DeployContext } from './deploy-summary';

/*
 * The message a failed deploy or a drift check sends (to ntfy, Discord or Slack: ./deploy-notify.ts):
 * a title, the one-line verdict naming the failed step and object, the problems one per line, and a
 * link to the run (or the drift issue). Only names, condition messages and hosts: never a diff's
 * content, which may hold values the notification service has no business seeing.
 */

export interface FeedbackMessage {
  readonly kind: 'failure' | 'success' | 'drift';
  /** Short, ASCII: ntfy takes it as an HTTP header. */
  readonly title: string;
  /** One line: what happened. */
  readonly summary: string;
  /** The failed step and each problem, one line each (capped). */
  readonly lines: readonly string[];
  /** Where to read more: the run, or the drift issue. */
  readonly link?: string;
}

/** At most this many problem lines; the rest is counted. */
export const MESSAGE_LINES = 15;

const capped = (lines: readonly string[]) => (lines.length > MESSAGE_LINES ? [...lines.slice(0, MESSAGE_LINES), `… and ${lines.length - MESSAGE_LINES} more (see the run)`] : [...lines]);
/** Header-safe: printable ASCII only (fetch refuses other bytes in a header value). */
const ascii = (text: string) => text.replace(/[^\x20-\x7e]/g, '?');

/** The message for a deploy: a failure naming the failed step and object(s), or a success. */
export function deployMessage(inputs: DeployInputs, context: DeployContext): FeedbackMessage {
  const verdict = deployVerdict(inputs);
  const at = `${context.repository}@${context.sha.slice(0, 7)}`;
  return {
    kind: verdict.ok ? 'success' : 'failure',
    title: ascii(verdict.ok ? `Deployed ${at}` : `Deploy failed: ${at}`),
    summary: verdict.ok ? `Deploy of ${at}: ${verdict.headline}` : `Deploy of ${at} failed: ${verdict.headline}`,
    lines: capped(verdict.problems),
    link: context.runUrl,
  };
}

/**
 * What the drift check found, from its output (`node apply.cjs --drift`, stdout and stderr): the
 * lines under the apply's last message `drift: the cluster differs from dist/:`, else the objects
 * of kubectl diff's `diff -u -N` headers, else its last line.
 */
export function driftFindings(output: string): string[] {
  const lines = output.split('\n');
  const start = lines.findIndex((l) => /drift: the cluster differs from dist\/:\s*$/.test(l));
  if (start >= 0) {
    const found: string[] = [];
    for (const line of lines.slice(start + 1)) {
      if (!/^\s+\S/.test(line)) break;
      found.push(line.trim());
    }
    if (found.length) return found;
  }
  const objects = parseDiffObjects(output);
  if (objects.length) return [`differs: ${objects.join(', ')}`];
  const last = lines.map((l) => l.trim()).filter(Boolean).at(-1);
  return last ? [last] : [];
}

/** The message for a drift check that found the cluster different from main. */
export function driftMessage(output: string, context: Pick<DeployContext, 'repository'> & { link?: string }): FeedbackMessage {
  const found = driftFindings(output);
  return {
    kind: 'drift',
    title: ascii(`Drift: ${context.repository} differs from main`),
    summary: `The drift check found the cluster different from main (${found.length} finding${found.length === 1 ? '' : 's'}).`,
    lines: capped(found),
    link: context.link,
  };
}

/** Plain text: the summary, the lines, the link. */
export function messageText(message: FeedbackMessage): string {
  return [message.summary, ...message.lines.map((l) => `- ${l}`), ...(message.link ? [message.link] : [])].join('\n');
}
