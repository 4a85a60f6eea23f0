import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSecureContext, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { collectObjects } from '../lib/delivery/manifests';
import { smokeTargets } from '../lib/delivery/smoke-targets';
import type { SmokeReport, SmokeResult } from '../lib/report/deploy-report';
import { fixtureCluster } from './fixtures/cluster';
import { appFile, render } from './helpers';
import { issue } from './test-pki';

/*
 * `npm run smoke` run as a user runs it (node scripts/run.mjs scripts/smoke.ts), against a dist/ the
 * test writes and one loopback HTTPS server that plays every host: a certificate per name (SNI),
 * made here and signed by a CA of the test's own, given with --ca, and an answer per Host header.
 * --resolve sends each name to 127.0.0.1, so what is requested and verified is the public name.
 * The CLI runs in a child process, asynchronously: the server answers in this process meanwhile.
 */

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'hobby-smoke-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// ---- the fixture dist/ ----------------------------------------------------------------------------

type Obj = Record<string, any>;
const podLabels = (name: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': name });
const MIDDLEWARES = 'traefik.ingress.kubernetes.io/router.middlewares';

/** A Deployment (with a readiness probe on the port the Service targets, when given), its Service, and an Ingress for `host`. */
function webApp(name: string, host: string, options: { probe?: string; probePort?: string; gate?: 'admin-only' | 'login' } = {}): Obj[] {
  const gate = options.gate === 'admin-only' ? { ipAllowList: { sourceRange: ['198.51.100.7/32'] } } : { forwardAuth: { address: 'http://oauth2-proxy.sign-in.svc.cluster.local:4180/' } };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: name },
      spec: {
        selector: { matchLabels: podLabels(name) },
        template: {
          metadata: { labels: { ...podLabels(name), 'hobby-infra.dev/routed': 'true' } },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'ghcr.io/me/app:1.0.0',
                ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }],
                ...(options.probe ? { readinessProbe: { httpGet: { path: options.probe, port: options.probePort ?? 'http' } } } : {}),
              },
            ],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: name }, spec: { selector: podLabels(name), ports: [{ name: 'web', port: 80, targetPort: 'http' }] } },
    ...(options.gate ? [{ apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: options.gate, namespace: name }, spec: gate }] : []),
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name, namespace: name, annotations: options.gate ? { [MIDDLEWARES]: `${name}-${options.gate}@kubernetescrd` } : {} },
      spec: { rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { name: 'web' } } } }] } }] },
    },
  ];
}

const CALLBACK = 'https://auth.test/oauth2/callback';
const signIn: Obj[] = [
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'oauth2-proxy', namespace: 'sign-in' },
    spec: { selector: { matchLabels: podLabels('oauth2-proxy') }, template: { metadata: { labels: podLabels('oauth2-proxy') }, spec: { containers: [{ name: 'oauth2-proxy', image: 'x', args: ['--provider=github', `--redirect-url=${CALLBACK}`], ports: [{ containerPort: 4180 }], readinessProbe: { httpGet: { path: '/ping', port: 4180 } } }] } } },
  },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'oauth2-proxy', namespace: 'sign-in' }, spec: { selector: podLabels('oauth2-proxy'), ports: [{ port: 4180, targetPort: 4180 }] } },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'oauth2-proxy', namespace: 'sign-in' },
    spec: { rules: [{ host: 'auth.test', http: { paths: [{ path: '/oauth2', pathType: 'Prefix', backend: { service: { name: 'oauth2-proxy', port: { number: 4180 } } } }] } }] },
  },
];
/** Two paths to two backends on one host, the web one's probe on a path that goes to the API: it gets `/`. */
const shop: Obj[] = [
  ...webApp('shop-api', 'x.invalid', { probe: '/api/health' }).slice(0, 2).map((o) => ({ ...o, metadata: { ...o.metadata, namespace: 'shop' } })),
  ...webApp('shop-web', 'x.invalid', { probe: '/api/ping' }).slice(0, 2).map((o) => ({ ...o, metadata: { ...o.metadata, namespace: 'shop' } })),
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'shop', namespace: 'shop' },
    spec: {
      rules: [{
        host: 'shop.test',
        http: { paths: [
          { path: '/api', pathType: 'Prefix', backend: { service: { name: 'shop-api', port: { number: 80 } } } },
          { path: '/', pathType: 'Prefix', backend: { service: { name: 'shop-web', port: { number: 80 } } } },
        ] },
      }],
    },
  },
];
const ingressRoute: Obj[] = [
  ...webApp('route', 'x.invalid', { probe: '/api/ready' }).slice(0, 2),
  { apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: { name: 'route', namespace: 'route' }, spec: { entryPoints: ['websecure'], routes: [{ match: 'Host(`route.test`) && PathPrefix(`/api`)', kind: 'Rule', services: [{ name: 'route', port: 80 }] }] } },
];

const apps: Record<string, Obj[]> = {
  ok: webApp('ok', 'ok.test', { probe: '/healthz' }),
  // Its probe asks the metrics port, which the route does not reach: `/` is requested.
  broken: webApp('broken', 'broken.test', { probe: '/livez', probePort: 'metrics' }),
  'wrong-name': webApp('wrong-name', 'wrong-name.test'),
  untrusted: webApp('untrusted', 'untrusted.test'),
  admin: webApp('admin', 'admin.test', { probe: '/healthz', gate: 'admin-only' }),
  leaky: webApp('leaky', 'leaky.test', { gate: 'admin-only' }),
  slow: webApp('slow', 'slow.test', { probe: '/ready' }),
  notes: webApp('notes', 'notes.test', { gate: 'login' }),
  open: webApp('open', 'open.test', { gate: 'login' }),
  shop,
  route: ingressRoute,
};

const dist = join(work, 'dist');
const distFiles = new Map<string, string>([
  ['01-prerequisites/sign-in.yaml', signIn.map((o) => stringify(o)).join('---\n')],
  ...Object.entries(apps).map(([name, objects]): [string, string] => [`04-apps/app-${name}.yaml`, objects.map((o) => stringify(o)).join('---\n')]),
]);
for (const [file, text] of distFiles) {
  mkdirSync(join(dist, file.split('/')[0]!), { recursive: true });
  writeFileSync(join(dist, file), text);
}

// ---- what dist/ says to request -------------------------------------------------------------------

describe('the targets dist/ gives', () => {
  test('every routed host, at its readiness path where the route reaches it, with what an outsider gets', () => {
    const targets = smokeTargets(collectObjects(distFiles)).map(({ host, path, expect, health }) => `${host}${path} ${expect}${health ? ' health' : ''}`);
    expect(targets).toEqual([
      'admin.test/healthz private health',
      'auth.test/oauth2 login',
      'broken.test/ public',
      'leaky.test/ private',
      'notes.test/ login',
      'ok.test/healthz public health',
      'open.test/ login',
      'route.test/api/ready public health',
      'shop.test/ public',
      'shop.test/api/health public health',
      'slow.test/ready public health',
      'untrusted.test/ public',
      'wrong-name.test/ public',
    ]);
    const notes = smokeTargets(collectObjects(distFiles)).find((t) => t.host === 'notes.test');
    expect(notes?.signInCallback).toBe(CALLBACK);
  });

  test('the platform as rendered: the status page public, its admin UI and a private app behind the allow-list, a login app and the sign-in redirect', () => {
    const tools = appFile('tools', { image: 'ghcr.io/me/tools:1.0.0', port: 8080, hosts: ['tools'], login: { github: { orgs: ['octo-org'] } } });
    const vault = appFile('vault', { image: 'ghcr.io/me/vault:1.0.0', port: 8080, hosts: ['vault'], private: true });
    const { files } = render({ apps: [tools, vault] });
    const domain = fixtureCluster.domain;
    const targets = smokeTargets(collectObjects(files));
    const byUrl = Object.fromEntries(targets.map((t) => [`${t.host}${t.path}`, t.expect]));
    expect(byUrl).toMatchObject({
      [`auth.${domain}/oauth2`]: 'login',
      [`status.${domain}/`]: 'private',
      [`status.${domain}/status`]: 'public',
      [`tools.${domain}/`]: 'login',
      [`vault.${domain}/`]: 'private',
    });
    expect(targets.find((t) => t.host === `tools.${domain}`)?.signInCallback).toBe(`https://auth.${domain}/oauth2/callback`);
  });
});

// ---- the loopback server ----------------------------------------------------------------------------

const ca = issue('hobby-infra smoke test CA', { ca: true });
const rogue = issue('someone else CA', { ca: true });
const leafFor = (host: string) =>
  host === 'wrong-name.test' ? issue('other.test', { issuer: ca, dnsNames: ['other.test'] }) : host === 'untrusted.test' ? issue(host, { issuer: rogue }) : issue(host, { issuer: ca });
const hosts = ['ok.test', 'broken.test', 'wrong-name.test', 'untrusted.test', 'admin.test', 'leaky.test', 'slow.test', 'notes.test', 'open.test', 'auth.test', 'shop.test', 'route.test'];
const contexts = new Map(hosts.map((h) => { const leaf = leafFor(h); return [h, createSecureContext({ cert: leaf.cert, key: leaf.key })]; }));
const caFile = join(work, 'ca.pem');
writeFileSync(caFile, ca.cert);

const toGitHub = `https://github.com/login/oauth/authorize?client_id=x&redirect_uri=${encodeURIComponent(CALLBACK)}&response_type=code`;
/** What each host answers: status, Location; `count` is how many requests it had, this one included. */
const answers: Record<string, (path: string, count: number) => [number, string?]> = {
  'ok.test': (path) => [path === '/healthz' ? 200 : 404],
  'broken.test': () => [502],
  'admin.test': () => [403],
  'leaky.test': () => [200],
  'slow.test': (path, count) => [count <= 3 ? 502 : path === '/ready' ? 200 : 404],
  'notes.test': () => [302, toGitHub],
  'auth.test': (path) => [path === '/oauth2' ? 302 : 404, toGitHub],
  'open.test': () => [200],
  'shop.test': (path) => [path === '/' || path === '/api/health' ? 200 : 404],
  'route.test': (path) => [path === '/api/ready' ? 200 : 404],
};
const seen: string[] = [];
let server: Server;
let port = 0;

beforeAll(async () => {
  const fallback = leafFor('ok.test');
  server = createServer({ cert: fallback.cert, key: fallback.key, SNICallback: (name, done) => done(null, contexts.get(name)) }, (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const sni = (req.socket as TLSSocket).servername;
    seen.push(`${sni} ${host} ${req.url}`);
    const [status, location] = answers[host]?.(req.url!, seen.filter((s) => s.startsWith(`${sni} ${host} `)).length) ?? [421];
    res.writeHead(status, location ? { location } : {}).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

interface Run { code: number | null; stdout: string; stderr: string }
/** The CLI as a user runs it, in its own process; this process keeps serving meanwhile. */
function smoke(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['scripts/run.mjs', 'scripts/smoke.ts', ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
const toLoopback = () => hosts.flatMap((h) => ['--resolve', `${h}:${port}:127.0.0.1`]);
const lineOf = (out: string, url: string) => out.split('\n').find((l) => / {2}https:\/\//.test(l) && l.includes(`  ${url}  `) && /^(ok|FAIL) /.test(l));

// ---- the runs -------------------------------------------------------------------------------------

describe('npm run smoke against loopback HTTPS servers', () => {
  test('a report per host, the JSON report, and exit 1 when some host is not as expected', async () => {
    const report = join(work, 'smoke.json');
    const run = await smoke('--dist', dist, '--port', String(port), '--ca', caFile, ...toLoopback(), '--timeout', '2s', '--interval', '100ms', '--report', report);
    expect(run.code, run.stderr + run.stdout).toBe(1);
    expect(run.stderr).toBe('');
    const url = (host: string, path: string) => `https://${host}:${port}${path}`;
    const expected: [string, string, boolean, RegExp][] = [
      ['ok.test', '/healthz', true, /: 200 \(1 try, /],
      ['broken.test', '/', false, /: 502, expected 2xx or a redirect, after \d+ tries in [1-3](\.\d)? s$/],
      ['wrong-name.test', '/', false, /TLS: Hostname\/IP does not match certificate's altnames: .*wrong-name\.test.* \(ERR_TLS_CERT_ALTNAME_INVALID\), after/],
      ['untrusted.test', '/', false, /TLS: unable to verify the first certificate \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\), after/],
      ['admin.test', '/healthz', true, /: 403 from outside the admin networks \(1 try/],
      ['leaky.test', '/', false, /: 200 from outside the admin networks, expected 403: the admin allow-list let the request through, after/],
      ['slow.test', '/ready', true, /: 200 \(4 tries, /],
      ['notes.test', '/', true, /: 302 to the sign-in \(https:\/\/github\.com\/login\/oauth\/authorize\)/],
      ['auth.test', '/oauth2', true, /: 302 to the sign-in/],
      ['open.test', '/', false, /: 200 without signing in, expected a redirect to the sign-in: the login gate let the request through/],
      ['shop.test', '/', true, /: 200 \(1 try/],
      ['shop.test', '/api/health', true, /: 200 \(1 try/],
      ['route.test', '/api/ready', true, /: 200 \(1 try/],
    ];
    for (const [host, path, ok, detail] of expected) {
      const line = lineOf(run.stdout, url(host, path));
      expect(line, `${host}${path} in\n${run.stdout}`).toBeDefined();
      expect(line!.startsWith(ok ? 'ok    ' : 'FAIL  '), line).toBe(true);
      expect(line, line).toMatch(detail);
    }
    expect(run.stdout).toMatch(/\nsmoke: 5 of 13 did not answer as expected: /);

    const json = JSON.parse(readFileSync(report, 'utf8')) as SmokeReport;
    expect(json.kind).toBe('smoke');
    expect(json.code).toBe(1);
    const byUrl = new Map(json.results.map((r) => [r.url, r]));
    expect(byUrl.size).toBe(expected.length);
    for (const [host, path, ok] of expected) expect(byUrl.get(url(host, path))?.ok, `${host}${path}`).toBe(ok);
    const result = (host: string, path: string) => byUrl.get(url(host, path)) as SmokeResult;
    expect(result('ok.test', '/healthz')).toMatchObject({ host: 'ok.test', expect: 'public', status: 200, attempts: 1 });
    expect(result('slow.test', '/ready')).toMatchObject({ status: 200, attempts: 4, ok: true });
    // The 502 was tried until its time was up, every 100 ms, then given up on.
    const broken = result('broken.test', '/');
    expect(broken.status).toBe(502);
    expect(broken.attempts).toBeGreaterThan(5);
    expect(broken.seconds).toBeGreaterThanOrEqual(1.8);
    expect(broken.seconds).toBeLessThan(3.5);
    expect(result('leaky.test', '/')).toMatchObject({ expect: 'private', status: 200, ok: false });
    expect(result('admin.test', '/healthz')).toMatchObject({ expect: 'private', status: 403, ok: true });
    expect(result('notes.test', '/')).toMatchObject({ expect: 'login', status: 302, ok: true });
    expect(result('untrusted.test', '/').status).toBeUndefined();
    // What reached the server: the public name as SNI and Host, at the paths dist/ gave.
    expect(seen).toContain(`ok.test ok.test /healthz`);
    expect(seen).toContain(`route.test route.test /api/ready`);
    expect(seen.some((s) => s.startsWith('wrong-name.test ') || s.startsWith('untrusted.test '))).toBe(false);
  });

  test('--host limits the check; every host as expected is exit 0', async () => {
    const report = join(work, 'some.json');
    const run = await smoke('--dist', dist, '--port', String(port), '--ca', caFile, ...toLoopback(), '--host', 'ok.test', '--host', 'ADMIN.test', '--report', report);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const json = JSON.parse(readFileSync(report, 'utf8')) as SmokeReport;
    expect(json).toMatchObject({ kind: 'smoke', code: 0 });
    expect(json.results.map((r) => `${r.host} ${r.ok}`)).toEqual(['admin.test true', 'ok.test true']);
    expect(run.stdout).toMatch(/\nsmoke: all 2 answered as expected\n$/);
  });

  test('without --ca, the test CA is not trusted: the system store alone decides', async () => {
    const run = await smoke('--dist', dist, '--port', String(port), ...toLoopback(), '--host', 'ok.test', '--timeout', '300ms', '--interval', '100ms');
    expect(run.code, run.stderr + run.stdout).toBe(1);
    expect(lineOf(run.stdout, `https://ok.test:${port}/healthz`)).toMatch(/^FAIL .*TLS: unable to verify the first certificate \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
  });

  test.each([
    [['--timeout', '5'], /^smoke: --timeout: got "5", expected a positive Go duration such as 5m, 90s or 1m30s\n$/],
    [['--interval=0s'], /^smoke: --interval: got "0s", expected a positive Go duration/],
    [['--resolve', 'ok.test:443'], /^smoke: --resolve: got "ok.test:443", expected <host>:<port>:<IP address>, as curl's --resolve\n$/],
    [['--resolve', 'ok.test:8443:127.0.0.1'], /^smoke: --resolve: got port 8443 in "ok.test:8443:127.0.0.1", expected 443, the port requested \(--port\)\n$/],
    [['--host', 'nope.test'], /^smoke: --host: got nope.test, expected one of the hosts .* routes: admin.test, auth.test, /],
    [['--ca', 'package.json'], /^smoke: --ca: got package.json, which holds no PEM certificate, expected a PEM file of CA certificates\n$/],
    [['--dist', 'no-such-dir'], /^smoke: --dist: got no-such-dir\/ with no manifests, expected the rendered dist\/ \(run npm run synth\)\n$/],
  ])('bad input %j: one line, exit 2, a report that says so', async (args, message) => {
    const report = join(work, `bad-${args.join('_').replace(/\W/g, '_')}.json`);
    const run = await smoke('--dist', dist, ...args, '--report', report);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(JSON.parse(readFileSync(report, 'utf8'))).toEqual({ kind: 'smoke', results: [], code: 2 });
  });
});
