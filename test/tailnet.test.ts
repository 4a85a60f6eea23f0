import { App } from 'cdktf';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { BootstrapStack, recordId, STACK_NAME } from '../bootstrap/stack';
import { defineStateBackend } from '../bootstrap/state';
import { loadApps, type AppSource } from '../lib/app-spec';
import { collectObjects } from '../lib/delivery/manifests';
import { smokeTargets } from '../lib/delivery/smoke-targets';
import { platformHosts } from '../lib/hosts';
import { fixtureCluster as cluster, fixtureStateBackend } from './fixtures/cluster';
import { webApp } from './fixtures/smoke-dist';
import { TAILNET_INGRESS } from '../lib/platform-contracts';
import { networkCoverage } from '../lib/delivery/chart-network';
import { distFindings } from '../lib/doctor/findings';
import { publicHosts } from '../lib/hosts';
import type { Manifest } from '../lib/render';
import { appFile, find, render } from './helpers';

/*
 * `tailnet` as synth renders it: the app's Ingress is the Tailscale operator's (its class, the
 * machine name in tls.hosts, the app's Service as default backend), nothing of it reaches Traefik,
 * Cloudflare or the public DNS, its policy admits only the proxy pod of its Ingress, and the
 * operator's class, ProxyClass and proxy policy appear only when an app uses them; then the
 * refusals; the bootstrap's DNS records (as test/bootstrap.test.ts synthesizes them) and the smoke
 * check's targets leave it out. What the API server and the deploy identity's policy make of it is
 * test/cluster/least-power.test.ts.
 */

const dash = (extra: object = {}, name = 'dash') => appFile(name, { image: 'ghcr.io/me/dash:1.0.0', port: 3000, tailnet: true, ...extra });
const inNamespace = (objects: readonly any[], ns: string) => objects.filter((o) => o.metadata.namespace === ns);

describe('a tailnet-only app', () => {
  const { objects } = render({ apps: [dash()] });
  const ingresses = inNamespace(objects, 'dash').filter((o) => o.kind === 'Ingress');

  test("gets one Ingress, the Tailscale operator's, for its machine name, to its Service", () => {
    expect(ingresses).toHaveLength(1);
    expect(ingresses[0]).toMatchObject({
      metadata: { name: 'dash', namespace: 'dash', labels: { 'tailscale.com/proxy-class': TAILNET_INGRESS.proxyClass } },
      spec: { ingressClassName: 'tailscale', defaultBackend: { service: { name: 'dash', port: { number: 3000 } } }, tls: [{ hosts: ['dash'] }] },
    });
    // No host, no Traefik annotation, no middleware: nothing public routes it.
    expect(ingresses[0].spec.rules).toBeUndefined();
    expect(ingresses[0].metadata.annotations).toBeUndefined();
    expect(inNamespace(objects, 'dash').some((o) => o.kind === 'Middleware' || o.kind === 'IngressRoute')).toBe(false);
    const service = find(objects, 'Service', 'dash', 'dash') as any;
    expect(service.spec.ports.map((p: any) => p.port)).toContain(3000);
  });

  test('has no public name: no DNS record, no host in dist/, nothing for the wildcard certificate', () => {
    const hosts = publicHosts(cluster, [{ hosts: [] } as any]);
    expect(publicHosts(cluster, render({ apps: [dash()] }).apps)).toEqual(hosts);
    expect(JSON.stringify(objects)).not.toContain(`dash.${cluster.domain}`);
    const certificate = objects.find((o: any) => o.kind === 'Certificate' && o.metadata.namespace === 'traefik') as any;
    expect(certificate.spec.dnsNames).toEqual([cluster.domain, `*.${cluster.domain}`]);
    // `npm run doctor` does not take the machine name for a host outside the domain.
    expect(distFindings(cluster, objects.map((o) => ({ ...o, file: 'x.yaml' })) as any)).toEqual([]);
  });

  test('admits only the proxy pod of its own Ingress, to its web port; Traefik not at all', () => {
    const policies = inNamespace(objects, 'dash').filter((o) => o.kind === 'NetworkPolicy');
    expect(JSON.stringify(policies)).not.toContain('traefik');
    const allow = find(objects, 'NetworkPolicy', 'allow-declared', 'dash') as any;
    expect(allow.spec.ingress[0]).toEqual({
      from: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tailscale' } },
        podSelector: { matchLabels: { 'tailscale.com/managed': 'true', 'tailscale.com/parent-resource-type': 'ingress', 'tailscale.com/parent-resource': 'dash', 'tailscale.com/parent-resource-ns': 'dash' } },
      }],
      ports: [{ protocol: 'TCP', port: 3000 }],
    });
  });

  test('of several components: `/` is the default backend, other paths hostless rules; the door is a policy of its own', () => {
    const app = appFile('shop', {
      tailnet: { machine: 'shop-admin' },
      components: {
        web: { image: 'ghcr.io/me/web:1.0.0', port: 8080 },
        api: { image: 'ghcr.io/me/api:1.0.0', port: 9090, path: '/api' },
        worker: { image: 'ghcr.io/me/worker:1.0.0' },
      },
    });
    const shop = render({ apps: [app] }).objects;
    const ingress = find(shop, 'Ingress', 'shop', 'shop') as any;
    expect(ingress.spec).toEqual({
      ingressClassName: 'tailscale',
      defaultBackend: { service: { name: 'shop-web', port: { number: 8080 } } },
      rules: [{ http: { paths: [{ path: '/api', pathType: 'Prefix', backend: { service: { name: 'shop-api', port: { number: 9090 } } } }] } }],
      tls: [{ hosts: ['shop-admin'] }],
    });
    const door = find(shop, 'NetworkPolicy', 'allow-tailnet', 'shop') as any;
    expect(door.spec.podSelector.matchLabels['hobby-infra.dev/routed']).toBe('true');
    expect(door.spec.ingress[0].from[0].podSelector.matchLabels['tailscale.com/parent-resource']).toBe('shop');
    expect(door.spec.ingress[0].ports.map((p: any) => p.port)).toEqual([8080, 9090]);
    expect(shop.some((o: any) => o.kind === 'NetworkPolicy' && o.metadata.namespace === 'shop' && o.metadata.name === 'allow-traefik')).toBe(false);
  });
});

describe("the operator's side", () => {
  const values = (objects: readonly any[]) => (find(objects, 'HelmChart', 'tailscale-operator', 'kube-system') as any).spec.valuesContent as string;

  test('without a tailnet-only app: no IngressClass, no ProxyClass, no proxy policy (as before)', () => {
    const objects = render({ apps: [appFile('site', { image: 'ghcr.io/me/site:1.0.0', port: 8080, hosts: ['www'] })] }).objects;
    expect(values(objects)).toMatch(/ingressClass:\n {2}enabled: false/);
    expect(objects.some((o: any) => o.kind === 'ProxyClass')).toBe(false);
    expect(objects.some((o: any) => o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-proxies')).toBe(false);
  });

  const { objects } = render({ apps: [dash()] });

  test('with one: the IngressClass, and a ProxyClass that passes restricted Pod Security', () => {
    expect(values(objects)).toMatch(/ingressClass:\n {2}enabled: true/);
    const proxyClass = find(objects, 'ProxyClass', TAILNET_INGRESS.proxyClass) as any;
    expect(proxyClass.apiVersion).toBe('tailscale.com/v1alpha1');
    expect(proxyClass.spec.statefulSet.pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(proxyClass.spec.statefulSet.pod.tailscaleContainer.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(proxyClass.spec.statefulSet.pod.tailscaleContainer.resources.limits.memory).toBe('128Mi');
  });

  test("the proxy pod the operator starts (its labels, as the operator's childResourceLabels sets them) is selected by exactly its policy", () => {
    const pod = { from: 'the proxy of Ingress dash/dash', namespace: 'tailscale', labels: { ...TAILNET_INGRESS.proxyOf('dash', 'dash'), app: 'uid' }, hostNetwork: false };
    expect(networkCoverage([pod], objects as unknown as Manifest[])).toEqual({ problems: [], covered: 1, hostNetwork: 0, outside: [] });
    const allow = find(objects, 'NetworkPolicy', 'allow-proxies', 'tailscale') as any;
    expect(allow.spec.podSelector).toEqual({ matchLabels: TAILNET_INGRESS.proxyLabels });
    // Out to the apps' namespaces (each admits only its own proxy), the tailnet, the API server, DNS; in: nothing.
    expect(allow.spec.ingress).toBeUndefined();
    expect(allow.spec.egress).toContainEqual({ to: [{ namespaceSelector: { matchExpressions: [{ key: 'app.kubernetes.io/part-of', operator: 'Exists' }] } }] });
  });
});

describe('a bad tailnet declaration is refused, naming the file and the field', () => {
  const refused = (apps: readonly ReturnType<typeof appFile>[]) => () => render({ apps });
  test.each([
    ['with public hosts', [dash({ hosts: ['dash'] })], /apps\/dash\.ts: invalid declaration\n {2}- hosts: got \["dash"\] on a tailnet-only app, expected no public hosts/],
    ['with private: true', [dash({ private: true })], /- private: got true on a tailnet-only app, expected no `private` \(it is an allowlist in Traefik, which tailnet traffic never passes/],
    ['with a login', [dash({ login: { github: { orgs: ['octo-org'] } } })], /- login: got a login on a tailnet-only app, expected no `login` \(the sign-in is a Traefik middleware.*Tailscale-User-Login\)/],
    ['with http settings', [dash({ http: { maxBodySize: '8Mi' } })], /- http: got HTTP settings on a tailnet-only app, expected no `http`/],
    ['without a web component', [appFile('work', { image: 'ghcr.io/me/work:1.0.0', tailnet: true })], /apps\/work\.ts: invalid declaration\n {2}- tailnet: got true for an app without a web component, expected a component with a `port`/],
    ['a machine name with capitals', [dash({ tailnet: { machine: 'Dash' } })], /apps\/dash\.ts: invalid declaration\n {2}- tailnet\.machine: got "Dash", expected a machine name that is a DNS label \(lowercase letters, digits and inner dashes, at most 63 characters\)/],
    ['a machine name of 64 characters', [dash({ tailnet: { machine: 'a'.repeat(64) } })], /- tailnet\.machine: got "a{64}", expected a machine name that is a DNS label/],
    ['a machine name with a dot', [dash({ tailnet: { machine: 'dash.admin' } })], /- tailnet\.machine: got "dash\.admin", expected a machine name that is a DNS label/],
    ['a string', [dash({ tailnet: 'yes' })], /tailnet: got "yes", expected true \(the machine is named after the app\), false, or `\{ machine: 'name' \}`/],
    ['two apps, one machine name', [dash({ tailnet: { machine: 'ops' } }), dash({ tailnet: { machine: 'ops' } }, 'grafana')], /apps\/grafana\.ts: invalid declaration\n {2}- tailnet: got the machine name ops, expected one no other device of the cluster takes \(apps\/dash\.ts already does/],
    ['an app named like another app\'s machine', [dash({ tailnet: { machine: 'grafana' } }), dash({}, 'grafana')], /apps\/grafana\.ts: .*\n {2}- tailnet: got the machine name grafana, expected one no other device of the cluster takes \(apps\/dash\.ts already does/],
    ["an app named like the operator's device", [dash({}, cluster.tailscale.apiProxyHostname)], /apps\/fixture-api\.ts: .*\n {2}- tailnet: got the machine name fixture-api, expected one no other device .*\(the Tailscale operator \(config\/cluster\.ts tailscale\.apiProxyHostname\) already does/],
  ])('%s', (_name, apps, message) => {
    expect(refused(apps)).toThrow(message);
  });

  test('tailnet: false is no tailnet; a public app of the same name as a machine is no clash', () => {
    const objects = render({ apps: [dash({ tailnet: false, hosts: ['dash'] }), dash({ tailnet: { machine: 'site' } }, 'ops'), appFile('site', { image: 'ghcr.io/me/site:1.0.0', port: 8080, hosts: ['site'] })] }).objects;
    expect((find(objects, 'Ingress', 'dash', 'dash') as any).spec.ingressClassName).toBe('traefik');
    expect((find(objects, 'Ingress', 'ops', 'ops') as any).spec.tls).toEqual([{ hosts: ['site'] }]);
  });
});

describe('outside the cluster: the DNS records and the smoke check follow the declaration', () => {
  const outdirs: string[] = [];
  afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  /** The bootstrap's Cloudflare records for these apps, synthesized as bootstrap/main.ts does. */
  const recordsOf = (sources: AppSource[]): Record<string, any> => {
    const outdir = mkdtempSync(join(tmpdir(), 'bootstrap-tailnet-'));
    outdirs.push(outdir);
    const app = new App({ outdir });
    new BootstrapStack(app, STACK_NAME, { cluster, hosts: publicHosts(cluster, loadApps(sources, cluster, platformHosts(cluster))), backupOwners: [], state: defineStateBackend(fixtureStateBackend) });
    app.synth();
    return JSON.parse(readFileSync(join(outdir, 'stacks', STACK_NAME, 'cdk.tf.json'), 'utf8')).resource.cloudflare_dns_record;
  };
  const source = (name: string, spec: object): AppSource => appFile(name, { image: `ghcr.io/a/${name}:1.0.0`, port: 8080, ...spec });

  test('a public app turned tailnet-only loses its DNS record, and only that; its machine name gets none', () => {
    const shop = source('shop', { hosts: ['shop'] });
    const publicDash = recordsOf([shop, source('dash', { hosts: ['dash'] })]);
    const tailnetDash = recordsOf([shop, source('dash', { tailnet: true })]);
    expect(Object.keys(publicDash).filter((id) => !(id in tailnetDash))).toEqual([recordId(`dash.${cluster.domain}`)]);
    expect(Object.keys(tailnetDash).filter((id) => !(id in publicDash))).toEqual([]);
    for (const id of Object.keys(tailnetDash)) expect(tailnetDash[id]).toEqual(publicDash[id]);
    const renamed = recordsOf([shop, source('dash', { tailnet: { machine: 'shop-admin' } })]);
    expect(Object.keys(renamed).sort()).toEqual(Object.keys(tailnetDash).sort());
  });

  test("the smoke check requests only Traefik's Ingresses: another class's (the Tailscale operator's) is out of the CI runner's reach", () => {
    const [deployment, service, ingress] = webApp('app', 'public.test', { probe: '/healthz' });
    const classed = (className: string | undefined, host: string) => ({
      ...ingress!,
      metadata: { ...ingress!.metadata, name: `via-${className ?? 'default'}` },
      spec: { ...ingress!.spec, ingressClassName: className, rules: [{ ...ingress!.spec.rules[0], host }] },
    });
    // A tailnet Ingress may name its host in a rule (as its tls host or the tailnet FQDN): still skipped.
    const objects = [deployment, service, classed('traefik', 'public.test'), classed(undefined, 'unclassed.test'), classed('tailscale', 'dash.tailfixture.ts.net')];
    const files = new Map([['04-apps/app-app.yaml', objects.map((o) => stringify(o)).join('---\n')]]);
    expect(smokeTargets(collectObjects(files)).map((t) => t.host)).toEqual(['public.test', 'unclassed.test']);
    // As synth renders a tailnet-only app beside a public one: only the public one.
    const hosts = smokeTargets(collectObjects(render({ apps: [dash(), source('site', { hosts: ['www'] })] }).files)).map((t) => t.host);
    expect(hosts).toContain(`www.${cluster.domain}`);
    expect(hosts.filter((h) => h.startsWith('dash'))).toEqual([]);
  });
});
