import { request, type RequestOptions } from 'node:https';
import { isIP } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { SmokeResult } from '../report/deploy-report';
import type { SmokeTarget } from './smoke-targets';

/*
 * `npm run smoke`: each host dist/ routes (lib/delivery/smoke-targets.ts), requested the way a
 * visitor does: HTTPS to its public name on port 443, the certificate verified against the system's
 * CAs (plus --ca) for that name, no cookies, redirects not followed. A host gets tries until it
 * answers as expected or its time is up, so a rollout that is still settling (Traefik picking up a
 * route, cert-manager issuing the certificate) is waited for, and a broken one fails in bounded time.
 */

export interface SmokeOptions {
  /** Per host, from the first try: after this, the last answer is the result. */
  readonly timeoutMs: number;
  /** Between two tries of one host. */
  readonly intervalMs: number;
  /** The port requested (443; tests use a loopback server's). */
  readonly port: number;
  /** Trusted CAs (PEM): the system's and any extra, as `tls.rootCertificates` and --ca give them. */
  readonly ca: readonly string[];
  /** `host` (or `*`) -> the address to connect to, as curl's --resolve: the name is still what is sent and verified. */
  readonly resolve: ReadonlyMap<string, string>;
  /** How many hosts are tried at once. */
  readonly concurrency: number;
  /** One try's limit, connection and TLS handshake included (default 10 s; at most the host's time left, or 1 s). */
  readonly attemptMs?: number;
  /** Called as each host's result is known (the CLI prints it then). */
  readonly onResult?: (result: SmokeResult, target: SmokeTarget) => void;
}

/** A response's status line and where it redirects, or why no response came. */
export type Answer = { readonly status: number; readonly location?: string } | { readonly error: string };

const DEFAULT_ATTEMPT_MS = 10_000;

export const urlOf = (target: SmokeTarget, port = 443) => `https://${target.host}${port === 443 ? '' : `:${port}`}${target.path}`;

/** What a host must answer: for the report's heading and each line. */
export function expectation(target: SmokeTarget): string {
  if (target.expect === 'private') return '403 (admin networks only)';
  if (target.expect === 'login') return 'a redirect to the sign-in';
  return target.health ? '2xx (its health path)' : '2xx or a redirect';
}

// Node names certificate problems by OpenSSL's verify codes, or ERR_TLS_* / ERR_SSL_* for its own.
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|EPROTO$)/;

function describeError(error: NodeJS.ErrnoException): string {
  const code = error.code ?? '';
  const message = error.message.split('\n')[0]!;
  return TLS_CODES.test(code) ? `TLS: ${message} (${code})` : code && !message.includes(code) ? `${message} (${code})` : message;
}

// The trusted CAs parsed once per run, not once per try (the system store alone is ~150 certificates).
const contexts = new WeakMap<SmokeOptions, SecureContext>();
const contextOf = (options: SmokeOptions) => contexts.get(options) ?? contexts.set(options, createSecureContext({ ca: [...options.ca] })).get(options)!;

/** One GET, answered by its status line (the body is not read). */
export function fetchOnce(target: SmokeTarget, options: SmokeOptions, limitMs: number): Promise<Answer> {
  const address = options.resolve.get(target.host) ?? options.resolve.get('*');
  return new Promise((done) => {
    let settled = false;
    const finish = (answer: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(answer);
    };
    // tls.connect takes the secureContext (Node's https passes its options through); @types/node's RequestOptions omits it.
    const tlsOptions: RequestOptions & { secureContext: SecureContext } = {
      host: address ?? target.host,
      port: options.port,
      path: target.path,
      method: 'GET',
      servername: isIP(target.host) ? undefined : target.host,
      secureContext: contextOf(options),
      agent: false,
      // What a browser's first visit sends, so the sign-in redirects (oauth2-proxy answers 401 to a JSON request).
      headers: { host: options.port === 443 ? target.host : `${target.host}:${options.port}`, accept: 'text/html,*/*', 'user-agent': 'hobby-infra-smoke' },
    };
    const req = request(tlsOptions);
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${(limitMs / 1000).toFixed(1)} s`), { code: 'ETIMEDOUT' })), limitMs);
    req.on('response', (res) => {
      finish({ status: res.statusCode ?? 0, ...(typeof res.headers.location === 'string' ? { location: res.headers.location } : {}) });
      res.destroy();
    });
    req.on('error', (error) => finish({ error: describeError(error) }));
    req.end();
  });
}

/** Whether an answer is what the host must give a visitor from outside the admin networks without a session. */
export function judge(target: SmokeTarget, answer: Answer): { ok: boolean; detail: string } {
  if ('error' in answer) return { ok: false, detail: answer.error };
  const { status } = answer;
  const redirect = status >= 300 && status < 400;
  switch (target.expect) {
    case 'private':
      if (status === 403) return { ok: true, detail: '403 from outside the admin networks' };
      if (status < 400) return { ok: false, detail: `${status} from outside the admin networks, expected 403: the admin allow-list let the request through` };
      return { ok: false, detail: `${status}, expected 403 from the admin allow-list` };
    case 'login': {
      // oauth2-proxy without a session: 302 to GitHub's authorize page, naming the callback at the sign-in host.
      if (status < 300) return { ok: false, detail: `${status} without signing in, expected a redirect to the sign-in: the login gate let the request through` };
      if (!redirect || !answer.location) return { ok: false, detail: `${status}, expected a redirect to the sign-in` };
      let callback: string | null = null;
      try {
        callback = new URL(answer.location).searchParams.get('redirect_uri');
      } catch {
        // not a URL: reported below
      }
      if (target.signInCallback && callback !== target.signInCallback) {
        return { ok: false, detail: `${status} to ${answer.location.split('?')[0]}, expected a redirect naming the sign-in's callback ${target.signInCallback}` };
      }
      return { ok: true, detail: `${status} to the sign-in (${answer.location.split('?')[0]})` };
    }
    default:
      if (status >= 200 && status < 300) return { ok: true, detail: String(status) };
      if (redirect && !target.health) return { ok: true, detail: `${status} to ${answer.location ?? '(no Location)'}` };
      return { ok: false, detail: `${status}, expected ${target.health ? '2xx from its health path' : '2xx or a redirect'}` };
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const plural = (n: number) => `${n} ${n === 1 ? 'try' : 'tries'}`;

/** Tries one host until it answers as expected or its time is up. */
export async function checkTarget(target: SmokeTarget, options: SmokeOptions): Promise<SmokeResult> {
  const start = performance.now();
  const deadline = start + options.timeoutMs;
  const url = urlOf(target, options.port);
  for (let attempts = 1; ; attempts++) {
    // Not past the host's time, but never a sliver: the last try may end up to a second after it.
    const limit = Math.min(options.attemptMs ?? DEFAULT_ATTEMPT_MS, Math.max(1000, deadline - performance.now()));
    const answer = await fetchOnce(target, options, limit);
    const verdict = judge(target, answer);
    const status = 'status' in answer ? { status: answer.status } : {};
    const seconds = () => Math.round((performance.now() - start) / 100) / 10;
    if (verdict.ok) return { host: target.host, url, expect: target.expect, ok: true, ...status, detail: verdict.detail, attempts, seconds: seconds() };
    if (performance.now() + options.intervalMs >= deadline) {
      return { host: target.host, url, expect: target.expect, ok: false, ...status, detail: `${verdict.detail}, after ${plural(attempts)} in ${seconds()} s`, attempts, seconds: seconds() };
    }
    await sleep(options.intervalMs);
  }
}

/** Every target, `concurrency` at a time; the results in the targets' order. */
export async function runSmoke(targets: readonly SmokeTarget[], options: SmokeOptions): Promise<SmokeResult[]> {
  const results: SmokeResult[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      results[i] = await checkTarget(targets[i]!, options);
      options.onResult?.(results[i]!, targets[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, targets.length)) }, worker));
  return results;
}

/** One line of the report: `ok    notes.example.org  https://notes.example.org/health  expects 2xx (its health path): 200 (1 try, 0.1 s)`. */
export function formatResult(result: SmokeResult, target: SmokeTarget): string {
  const head = `${result.ok ? 'ok  ' : 'FAIL'}  ${result.host}  ${result.url}  expects ${expectation(target)}: ${result.detail}`;
  // A failure's detail already says how many tries in how long.
  return result.ok ? `${head} (${plural(result.attempts)}, ${result.seconds.toFixed(1)} s)` : head;
}
