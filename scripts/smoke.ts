import { readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { rootCertificates } from 'node:tls';
import { exitWith, parseCommandLine } from '../lib/cli';
import { readDistDir } from '../lib/delivery/diff';
import { collectObjects } from '../lib/delivery/manifests';
import { expectation, formatResult, runSmoke, urlOf } from '../lib/delivery/smoke';
import { smokeTargets } from '../lib/delivery/smoke-targets';
import type { SmokeReport } from '../lib/report/deploy-report';
import { parseGoDuration } from '../lib/spec/go-time';

/*
 * npm run smoke -- [--dist dist] [--host NAME]... [--timeout 5m] [--interval 5s] [--ca FILE]...
 *                  [--resolve HOST:PORT:ADDRESS]... [--port 443] [--concurrency 8] [--report FILE]
 * After the apply (the deploy job runs the bundled smoke.cjs from the CI runner, outside the admin
 * networks): every host dist/ routes, over HTTPS at its public name, until it answers as expected.
 * Exit codes: 0 every host answered as expected, 1 some did not, 2 bad input.
 */

const usage = 'npm run smoke -- [--dist <dir>] [--host <name>]... [--timeout 5m] [--interval 5s] [--ca <file>]... [--resolve <host>:<port>:<address>]... [--port 443] [--concurrency 8] [--report <file>]';
const about = `Requests every host dist/ routes (its Ingresses' and IngressRoutes' hosts) over HTTPS at its public name,
the certificate verified for that name against the system's CAs (and --ca), at the app's readiness path
when dist/ declares one (else the route's path, / mostly), and checks the answer a visitor from outside
the admin networks gets without signing in:
  public   2xx from a health path; 2xx or a redirect from any other path
  private  403 (the admin allow-list, lib/constructs/admin-only.ts); a 2xx means the allow-list let it through
  login    oauth2-proxy's 302 to GitHub naming the sign-in's callback (lib/constructs/login.ts)
Each host is tried every --interval until it answers so or --timeout (Go durations) has passed.
--host limits the check to those hosts; --resolve sends a host's connections to another address, as curl's
(the name is still what is sent and verified); --report writes the SmokeReport JSON (lib/report/deploy-report.ts).
Exit codes: 0 every host answered as expected, 1 some did not, 2 bad input.`;

const { values } = parseCommandLine('smoke', { usage, about }, {
  dist: { type: 'string', default: 'dist' },
  host: { type: 'string', multiple: true, default: [] },
  timeout: { type: 'string', default: '5m' },
  interval: { type: 'string', default: '5s' },
  ca: { type: 'string', multiple: true, default: [] },
  resolve: { type: 'string', multiple: true, default: [] },
  port: { type: 'string', default: '443' },
  concurrency: { type: 'string', default: '8' },
  report: { type: 'string' },
});

const writeReport = (report: SmokeReport) => {
  if (values.report) writeFileSync(values.report, `${JSON.stringify(report, null, 2)}\n`);
};
/** Bad input: one line, exit 2, and a report that says so (the deploy job's summary reads it). */
const refuse = (message: string): never => {
  try {
    writeReport({ kind: 'smoke', results: [], code: 2 });
  } catch {
    // the report's own path is the bad input: the message below is what matters
  }
  return exitWith('smoke', message, 2);
};

function duration(flag: string, text: string): number {
  const ns = parseGoDuration(text);
  if (typeof ns === 'string' || ns <= 0n) refuse(`--${flag}: got ${JSON.stringify(text)}, expected a positive Go duration such as 5m, 90s or 1m30s`);
  return Number(ns as bigint / 1_000_000n);
}
function whole(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) refuse(`--${flag}: got ${JSON.stringify(text)}, expected a whole number from ${min} to ${max}`);
  return n;
}

const timeoutMs = duration('timeout', values.timeout!);
const intervalMs = duration('interval', values.interval!);
const port = whole('port', values.port!, 1, 65535);
const concurrency = whole('concurrency', values.concurrency!, 1, 64);

const resolveTo = new Map<string, string>();
for (const entry of values.resolve!) {
  // curl's HOST:PORT:ADDRESS, an IPv6 address in brackets; the entry applies to the port requested.
  const m = /^([^:]+):(\d+):\[?([^\]]+)\]?$/.exec(entry);
  if (!m || !isIP(m[3]!)) refuse(`--resolve: got ${JSON.stringify(entry)}, expected <host>:<port>:<IP address>, as curl's --resolve`);
  if (Number(m![2]) !== port) refuse(`--resolve: got port ${m![2]} in ${JSON.stringify(entry)}, expected ${port}, the port requested (--port)`);
  resolveTo.set(m![1]!.toLowerCase(), m![3]!);
}

const extraCas = values.ca!.map((file) => {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    refuse(`--ca: got ${file}, which cannot be read (${(error as NodeJS.ErrnoException).code}), expected a PEM file of CA certificates`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) refuse(`--ca: got ${file}, which holds no PEM certificate, expected a PEM file of CA certificates`);
  return text;
});

let targets;
try {
  const files = readDistDir(resolve(values.dist!));
  if (!files.size) refuse(`--dist: got ${values.dist}/ with no manifests, expected the rendered dist/ (run npm run synth)`);
  targets = smokeTargets(collectObjects(files));
} catch (error) {
  refuse(`${values.dist}/: ${String((error as Error)?.message ?? error).split('\n')[0]} (run npm run synth, and check its errors)`);
}
const known = new Set(targets!.map((t) => t.host));
const wanted = values.host!.map((h) => h.toLowerCase());
const unknown = wanted.filter((h) => !known.has(h));
if (unknown.length) refuse(`--host: got ${unknown.join(', ')}, expected one of the hosts ${values.dist}/ routes: ${[...known].join(', ') || '(none)'}`);
const chosen = wanted.length ? targets!.filter((t) => wanted.includes(t.host)) : targets!;

if (!chosen.length) {
  console.log(`smoke: ${values.dist}/ routes no host: nothing to check`);
  writeReport({ kind: 'smoke', results: [], code: 0 });
  process.exit(0);
}
const hostCount = new Set(chosen.map((t) => t.host)).size;
console.log(`smoke: ${chosen.length} ${chosen.length === 1 ? 'URL' : 'URLs'} of ${hostCount} ${hostCount === 1 ? 'host' : 'hosts'} from ${values.dist}/, each tried every ${values.interval} for up to ${values.timeout}:`);
for (const t of chosen) console.log(`  ${urlOf(t, port)}  ${t.expect}, expects ${expectation(t)} (${t.source})`);
console.log('');

async function main() {
  const results = await runSmoke(chosen, {
    timeoutMs,
    intervalMs,
    port,
    ca: [...rootCertificates, ...extraCas],
    resolve: resolveTo,
    concurrency,
    onResult: (result, target) => console.log(formatResult(result, target)),
  });
  const failed = results.filter((r) => !r.ok);
  const code = failed.length ? 1 : 0;
  try {
    writeReport({ kind: 'smoke', results, code });
  } catch (error) {
    exitWith('smoke', `--report: got ${values.report}, which cannot be written (${(error as NodeJS.ErrnoException).code}), expected a file path`, 2);
  }
  console.log(
    failed.length
      ? `\nsmoke: ${failed.length} of ${results.length} did not answer as expected: ${failed.map((r) => r.url).join(', ')}`
      : `\nsmoke: all ${results.length} answered as expected`,
  );
  process.exit(code);
}

main().catch((error) => exitWith('smoke', String((error as Error)?.message ?? error).split('\n')[0]!, 2));
