import { describe, expect, test } from 'vitest';
import { fixtureCluster as cluster } from './fixtures/cluster';
import { appNameProblem, newAppSource, setImageInSource } from '../lib/app-files';
import { appSchema, loadApps } from '../lib/app-spec';
import { platformHosts } from '../lib/hosts';
import { SpecError } from '../lib/validation';
import { APP_VARIANTS, appVariantSources } from './fixtures/app-variants';
import { appFile, find, render, renderAlone, type RenderedObject } from './helpers';

const demo = { image: 'ghcr.io/me/demo:1.0.0', port: 8080, hosts: ['demo'] };
const inApp = (objects: RenderedObject[], ns: string) => objects.filter((o) => o.metadata.namespace === ns || (o.kind === 'Namespace' && o.metadata.name === ns));

describe('an app renders hardened, isolated workloads', () => {
  const { objects } = render({
    apps: [
      appFile('demo', { ...demo, replicas: 2, secrets: true, healthPath: '/healthz', egressPorts: [5432] }),
      appFile('other', { image: 'ghcr.io/me/other:2.0.0', port: 3000, hosts: ['other'], secrets: true }),
    ],
  });
  const app = inApp(objects, 'demo');

  test('its own namespace enforces restricted Pod Security', () => {
    const ns = find(objects, 'Namespace', 'demo') as any;
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('the Deployment runs non-root, read-only, capability-free, seccomp-confined, with limits and probes', () => {
    const d = find(app, 'Deployment', 'demo') as any;
    const pod = d.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(pod.automountServiceAccountToken).toBe(false);
    const [c] = pod.containers;
    expect(c.image).toBe('ghcr.io/me/demo:1.0.0');
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.resources.requests).toEqual({ cpu: '50m', memory: '64Mi' });
    expect(c.resources.limits).toEqual({ cpu: '500m', memory: '256Mi' });
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/healthz', port: 8080 });
    expect(c.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 8080 });
    const tmp = c.volumeMounts.find((m: any) => m.mountPath === '/tmp');
    expect(pod.volumes.find((v: any) => v.name === tmp.name).emptyDir).toBeDefined();
  });

  test('Service and Ingress route the host through Traefik over TLS', () => {
    const svc = find(app, 'Service', 'demo') as any;
    expect(svc.spec.selector).toEqual(find(app, 'Deployment', 'demo').spec && (find(app, 'Deployment', 'demo') as any).spec.selector.matchLabels);
    const ing = find(app, 'Ingress', 'demo') as any;
    expect(ing.spec.ingressClassName).toBe('traefik');
    expect(ing.spec.rules[0].host).toBe(`demo.${cluster.domain}`);
    expect(ing.spec.tls).toEqual([{ hosts: [`demo.${cluster.domain}`] }]);
    expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'demo', port: { number: 8080 } });
  });

  test('its SecretStore reads only its own Infisical folder, so it cannot reach another app\'s secrets', () => {
    const stores = objects.filter((o) => o.kind === 'SecretStore' && ['demo', 'other'].includes(o.metadata.namespace!)) as any[];
    expect(stores.map((s) => [s.metadata.namespace, s.spec.provider.infisical.secretsScope.secretsPath])).toEqual([
      ['demo', '/apps/demo'],
      ['other', '/apps/other'],
    ]);
    const external = find(app, 'ExternalSecret', 'demo-secrets') as any;
    expect(external.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'infisical' });
    expect(external.spec.dataFrom).toEqual([{ find: { name: { regexp: '.*' } } }]);
    const d = find(app, 'Deployment', 'demo') as any;
    expect(d.spec.template.spec.containers[0].envFrom).toEqual([{ secretRef: { name: 'demo-secrets' } }]);
    expect(d.metadata.annotations['secret.reloader.stakater.com/reload']).toBe('demo-secrets');
  });

  test('network policy denies by default and admits only Traefik, the app itself, DNS and declared egress', () => {
    const deny = find(app, 'NetworkPolicy', 'default-deny') as any;
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    // One process: its doors are all in allow-declared, which selects just its pods.
    const allow = find(app, 'NetworkPolicy', 'allow-declared') as any;
    const fromNamespaces = allow.spec.ingress.flatMap((r: any) => r.from.map((f: any) => f.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] ?? 'same-app'));
    expect(fromNamespaces.sort()).toEqual(['same-app', 'traefik']);
    expect(allow.spec.ingress.find((r: any) => r.ports)?.ports).toEqual([{ protocol: 'TCP', port: 8080 }]);
    const internet = allow.spec.egress.find((r: any) => r.to.some((t: any) => t.ipBlock));
    expect(internet.ports).toEqual([{ protocol: 'TCP', port: 5432 }]);
    expect(internet.to[0].ipBlock.except).toContain('10.0.0.0/8');
    expect(app.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name).sort()).toEqual(['allow-declared', 'default-deny']);
  });


  test('replicas >= 2 get a PodDisruptionBudget and topology spread; quota and limit range bound the namespace', () => {
    expect(find(app, 'PodDisruptionBudget', 'demo')).toBeDefined();
    const d = find(app, 'Deployment', 'demo') as any;
    expect(d.spec.template.spec.topologySpreadConstraints[0].topologyKey).toBe('kubernetes.io/hostname');
    const quota = find(app, 'ResourceQuota', 'app-quota') as any;
    expect(quota.spec.hard).toMatchObject({ pods: 3, 'limits.memory': '768Mi', 'requests.cpu': '150m' });
    expect(find(app, 'LimitRange', 'app-defaults')).toBeDefined();
  });

  test('autoscaling renders an HPA and leaves replicas to it; a volume renders a PVC and a Recreate rollout', () => {
    const { objects: more } = render({
      apps: [
        appFile('scaled', { ...demo, hosts: ['scaled'], autoscaling: { minReplicas: 2, maxReplicas: 5, cpuTarget: 60 } }),
        appFile('stateful', { ...demo, hosts: ['stateful'], volume: { mountPath: '/data', size: '2Gi' } }),
      ],
    });
    const hpa = find(more, 'HorizontalPodAutoscaler', 'scaled', 'scaled') as any;
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 5, scaleTargetRef: { kind: 'Deployment', name: 'scaled' } });
    expect(hpa.spec.metrics[0].resource.target.averageUtilization).toBe(60);
    expect((find(more, 'Deployment', 'scaled', 'scaled') as any).spec.replicas).toBeUndefined();
    const pvc = find(more, 'PersistentVolumeClaim', 'stateful-data', 'stateful') as any;
    expect(pvc.spec.resources.requests.storage).toBe('2Gi');
    expect((find(more, 'Deployment', 'stateful', 'stateful') as any).spec.strategy.type).toBe('Recreate');
  });

  test('a frontend and an API share one host, the API at /api', () => {
    const { objects: shop } = render({
      apps: [appFile('shop', { hosts: ['shop'], components: { web: { image: 'ghcr.io/me/web:1.0.0', port: 8080 }, api: { image: 'ghcr.io/me/api:1.0.0', port: 8081, path: '/api' } } })],
    });
    const ing = find(shop, 'Ingress', 'shop', 'shop') as any;
    expect(ing.spec.rules[0].http.paths.map((p: any) => [p.path, p.backend.service.name])).toEqual([
      ['/api', 'shop-api'],
      ['/', 'shop-web'],
    ]);
  });

  test('opting out of hardening is explicit, visible and lowers Pod Security only to baseline', () => {
    const { objects: root } = render({ apps: [appFile('legacy', { ...demo, hosts: ['legacy'], insecure: { runAsRoot: true, writableRootFilesystem: true, reason: 'vendor image writes to /var/run as root' } })] });
    const ns = find(root, 'Namespace', 'legacy') as any;
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
    expect(ns.metadata.annotations['hobby-infra.dev/pod-security-reason']).toBe('vendor image writes to /var/run as root');
    const c = (find(root, 'Deployment', 'legacy', 'legacy') as any).spec.template.spec.containers[0];
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: false, capabilities: { drop: ['ALL'] } });
  });
});

describe('bad app declarations are refused before anything renders', () => {
  const cases: [string, Record<string, unknown>, RegExp, string?][] = [
    ['latest tag', { ...demo, image: 'ghcr.io/me/demo:latest' }, /image: got "ghcr.io\/me\/demo:latest", expected a pinned tag or digest/],
    ['no tag', { ...demo, image: 'ghcr.io/me/demo' }, /image: got "ghcr.io\/me\/demo", expected an image with a pinned tag or digest/],
    ['malformed image', { ...demo, image: 'ghcr.io/Me/demo:1' }, /image: got "ghcr.io\/Me\/demo:1", expected an image reference/],
    ['port out of range', { ...demo, port: 70000 }, /port: got 70000, expected a port from 1 to 65535/],
    ['port zero', { ...demo, port: 0 }, /port: got 0, expected a port from 1 to 65535/],
    ['negative replicas', { ...demo, replicas: -1 }, /replicas: got -1, expected zero or more replicas/],
    ['fractional replicas', { ...demo, replicas: 1.5 }, /replicas: got 1.5, expected a whole number of replicas/],
    ['min > max autoscaling', { ...demo, autoscaling: { minReplicas: 5, maxReplicas: 2 } }, /autoscaling.maxReplicas: got 2, expected a value >= autoscaling.minReplicas/],
    ['unknown field', { ...demo, replica: 2 }, /replica: unknown field/],
    ['unknown nested field', { ...demo, resources: { request: { cpu: '1' } } }, /resources.request: unknown field/],
    ['host outside the domain', { ...demo, hosts: ['blog.example.org'] }, /hosts.0: got "blog.example.org", expected a host under hobby-fixture.dev/],
    ['host not a DNS name', { ...demo, hosts: ['My Blog'] }, /hosts.0: got "My Blog", expected a subdomain label/],
    ['bad memory quantity', { ...demo, resources: { limits: { memory: '1GB' } } }, /resources.limits.memory: got "1GB", expected a memory quantity/],
    ['secret in plain env', { ...demo, env: { DATABASE_URL: 'postgres://u:p@h/db' } }, /env.DATABASE_URL: got the name "DATABASE_URL", expected a non-secret name/],
    ['volume with two replicas', { ...demo, replicas: 2, volume: { mountPath: '/data', size: '1Gi' } }, /volume: got a volume with 2 replicas, expected one replica/],
    ['neither image nor components', { hosts: ['x'] }, /image: got nothing, expected either `image` \(and `port` unless it is a worker\) for one component, or `components`/],
    ['both image and components', { ...demo, components: { web: { image: 'ghcr.io/me/w:1.0.0', port: 80 } } }, /components: got .*, expected either `image` \(and `port` unless it is a worker\)/],
    ['two components on one path', { hosts: ['x'], components: { a: { image: 'ghcr.io/me/a:1.0.0', port: 80 }, b: { image: 'ghcr.io/me/b:1.0.0', port: 81 } } }, /components: demo-b and demo-a both route \//],
    ['insecure without a reason', { ...demo, insecure: { runAsRoot: true } }, /insecure.reason: got nothing/],
    ['bad file name', demo, /file name: got "Demo_App", expected a DNS-1035 label/, 'Demo_App'],
    ['platform namespace name', demo, /file name: got "traefik", expected a name not used by a platform namespace/, 'traefik'],
  ];
  test.each(cases)('%s', (_, spec, message, name = 'demo') => {
    const load = () => loadApps([appFile(name, spec)], cluster, platformHosts(cluster));
    expect(load).toThrow(SpecError);
    expect(load).toThrow(new RegExp(`^apps/${name}.ts: invalid declaration`));
    expect(load).toThrow(message);
    expect(load).not.toThrow(/postgres:/);
  });

  test('two apps claiming one host', () => {
    expect(() => loadApps([appFile('a', demo), appFile('b', { ...demo, image: 'ghcr.io/me/b:1.0.0' })], cluster)).toThrow(
      /apps\/b.ts: .*hosts: got demo.hobby-fixture.dev, expected a host no other app claims \(apps\/a.ts already does\)/s,
    );
  });

  test('an app claiming a platform host', () => {
    expect(() => loadApps([appFile('a', { ...demo, hosts: ['status'] })], cluster, platformHosts(cluster))).toThrow(/the platform already does/);
  });
});

describe('new-app and set-image', () => {
  test('new-app writes a declaration that renders, and refuses taken or invalid names', () => {
    const source = newAppSource('demo', { image: 'ghcr.io/me/demo:1.0.0', host: 'demo' });
    expect(source).toContain("image: 'ghcr.io/me/demo:1.0.0'");
    expect(source.split('\n').length).toBeLessThan(15);
    expect(appNameProblem('demo', ['demo'])).toMatch(/already exists/);
    expect(appNameProblem('Demo', [])).toMatch(/<name>: got "Demo", expected a DNS-1035 label/);
    expect(appNameProblem('cert-manager', [])).toMatch(/expected a name not used by a platform namespace/);
    expect(appNameProblem('fresh', ['demo'])).toBeUndefined();
    expect(() => newAppSource('demo', { image: 'ghcr.io/me/demo:latest' })).toThrow(/latest/);
  });

  test('set-image changes exactly the one image line of that repository', () => {
    const source = "export default defineApp({\n  components: {\n    web: { image: 'ghcr.io/me/web:1.0.0', port: 80 },\n    api: {\n      image: 'ghcr.io/me/api:1.0.0',\n      port: 81,\n    },\n  },\n});\n";
    const updated = setImageInSource(source, 'ghcr.io/me/api:1.1.0', 'apps/shop.ts');
    const changed = updated.split('\n').filter((line, i) => line !== source.split('\n')[i]);
    expect(changed).toEqual(["      image: 'ghcr.io/me/api:1.1.0',"]);
    expect(setImageInSource(source, 'ghcr.io/me/api@sha256:' + 'a'.repeat(64), 'f')).toContain(`ghcr.io/me/api@sha256:${'a'.repeat(64)}`);
    expect(() => setImageInSource(source, 'ghcr.io/me/nope:1.0.0', 'apps/shop.ts')).toThrow(/no image of repository ghcr.io\/me\/nope/);
    expect(() => setImageInSource(source, 'ghcr.io/me/api:latest', 'apps/shop.ts')).toThrow(/latest/);
    // A component and its migration job at one version move together; two versions are left to a person.
    const withJob = "export default defineApp({\n  image: 'ghcr.io/me/api:1.0.0',\n  jobs: { migrate: { image: 'ghcr.io/me/api:1.0.0', args: ['migrate'] } },\n});\n";
    expect(setImageInSource(withJob, 'ghcr.io/me/api:1.1.0', 'apps/api.ts').match(/api:1\.1\.0/g)).toHaveLength(2);
    expect(() => setImageInSource(withJob.replace("api:1.0.0',\n  jobs", "api:0.9.0',\n  jobs"), 'ghcr.io/me/api:1.1.0', 'apps/api.ts')).toThrow(/at 2 different versions/);
  });
});

describe('the app variants the cluster suite validates', () => {
  /** Every field path of a zod object schema: `resources.requests.cpu`, `components.*.path`, ... */
  function fieldPaths(schema: any, prefix = ''): string[] {
    let s = schema;
    while (s?.unwrap && !s.shape) s = s.unwrap();
    if (s?.def?.type === 'record') return fieldPaths(s.def.valueType, `${prefix}*.`);
    if (!s?.shape) return prefix ? [prefix.slice(0, -1)] : [];
    return Object.entries(s.shape).flatMap(([key, value]) => [`${prefix}${key}`, ...fieldPaths(value, `${prefix}${key}.`)]);
  }
  function usedPaths(value: unknown, prefix = ''): string[] {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
    return Object.entries(value).flatMap(([key, v]) => {
      // Records (components by name, env by variable) count as one field: `*`.
      const path = /(^|\.)(components|jobs|cronJobs|env|notSecret|volumes|files|scratch|databaseEnv|cacheEnv)\.$/.test(prefix) ? `${prefix}*` : `${prefix}${key}`;
      return [path, ...usedPaths(v, `${path}.`)];
    });
  }

  test('turn on every field of the app spec, at the top level and inside components', () => {
    const used = new Set(Object.values(APP_VARIANTS).flatMap((spec) => usedPaths(spec)));
    // Fields that exist only to be refused with a clear message: a job's `port`; `from` at the
    // top level, where the one component has no other to borrow a volume from; a login's `users`.
    const refusals = /^(jobs|cronJobs)\.\*\.port$|^volumes?\.(\*\.)?from$|^login\.github\.users$/;
    const missing = [...new Set(fieldPaths(appSchema))].filter((p) => !used.has(p) && !refusals.test(p));
    expect(missing).toEqual([]);
    expect(used.has('components.*.volume.size')).toBe(true);
    expect(used.has('cronJobs.*.schedule')).toBe(true);
  });

  test('all render', () => {
    for (const source of appVariantSources) expect(() => renderAlone(source), source.file).not.toThrow();
  });
});

describe('private apps', () => {
  test('answer only the admin CIDRs: an ipAllowList Middleware in the app namespace, on its Ingress', () => {
    const { objects } = render({ apps: [appFile('tools', { image: 'ghcr.io/me/tools:1.0.0', port: 8080, hosts: ['tools'], private: true })] });
    const ingress = find(objects, 'Ingress', 'tools', 'tools') as any;
    expect(ingress.metadata.annotations['traefik.ingress.kubernetes.io/router.middlewares']).toBe('tools-admin-only@kubernetescrd');
    const middleware = find(objects, 'Middleware', 'admin-only', 'tools') as any;
    expect(middleware.spec.ipAllowList.sourceRange).toEqual(cluster.adminCidrs);
    // A public app has neither.
    const open = render({ apps: [appFile('tools', { image: 'ghcr.io/me/tools:1.0.0', port: 8080, hosts: ['tools'] })] }).objects;
    expect(open.some((o) => o.kind === 'Middleware' && o.metadata.namespace === 'tools')).toBe(false);
    expect((find(open, 'Ingress', 'tools', 'tools') as any).metadata.annotations['traefik.ingress.kubernetes.io/router.middlewares']).toBeUndefined();
  });
});
