import { describe, expect, test } from 'vitest';
import { PUBLIC_STATUS_PATHS } from '../charts/uptime-kuma';
import { fixtureCluster as cluster } from './fixtures/cluster';
import { readFileSync } from 'node:fs';
import { CIVO_PROXY_PROTOCOL } from '../charts/traefik';
import { CHARTS, CLUSTER_AUTOSCALER_RELEASES } from '../config/versions';
import { CLOUDFLARE_RANGES } from '../lib/cloudflare';
import { find, helmValues, render } from './helpers';

const { objects } = render();

describe('every Helm release', () => {
  const charts = objects.filter((o) => o.kind === 'HelmChart') as any[];

  test('all platform components are installed, each pinned to the version in config/versions.ts', () => {
    expect(charts.map((c) => c.spec.chart).sort()).toEqual(Object.values(CHARTS).map((c) => c.chart).sort());
    for (const chart of charts) {
      const pinned = Object.values(CHARTS).find((c) => c.chart === chart.spec.chart)!;
      expect(chart.spec).toMatchObject({ repo: pinned.repo, version: pinned.version });
      expect(chart.spec.version).toMatch(/^v?[0-9]+\.[0-9]+\.[0-9]+$/);
      expect(chart.spec.targetNamespace, chart.metadata.name).toBeTruthy();
      expect(chart.metadata.namespace).toBe('kube-system');
    }
  });

  test('sets explicit resource requests and limits for every workload it names', () => {
    for (const chart of charts) {
      const found: any[] = [];
      const walk = (v: any) => {
        if (v && typeof v === 'object') for (const [k, child] of Object.entries(v)) (k === 'resources' ? found.push(child) : walk(child));
      };
      walk(helmValues(objects, chart.metadata.name));
      expect(found.length, `${chart.metadata.name} has no resources in its values`).toBeGreaterThan(0);
      for (const r of found) {
        expect(r.requests?.cpu, chart.metadata.name).toBeTruthy();
        expect(r.requests?.memory, chart.metadata.name).toBeTruthy();
        expect(r.limits?.memory, chart.metadata.name).toBeTruthy();
      }
    }
  });

  test('installs into a namespace that is rendered with Pod Security labels', () => {
    for (const chart of charts) {
      if (chart.spec.targetNamespace === 'kube-system') continue;
      const ns = find(objects, 'Namespace', chart.spec.targetNamespace) as any;
      expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toMatch(/^(restricted|baseline|privileged)$/);
    }
  });
});

describe('Traefik', () => {
  const values = helmValues(objects, 'traefik');
  test('runs as a DaemonSet behind a LoadBalancer bound to the reserved IP', () => {
    expect(values.deployment.kind).toBe('DaemonSet');
    expect(values.service.spec.type).toBe('LoadBalancer');
    expect(values.service.annotations['kubernetes.civo.com/ipv4-address']).toBe(cluster.loadBalancer.reservedIp);
    // The load balancer uses the bootstrap firewall (Cloudflare-only 80/443), not one open to the world.
    expect(values.service.annotations['kubernetes.civo.com/firewall-id']).toBe(cluster.loadBalancer.firewallId);
    expect(values.ports.web.exposedPort).toBe(80);
    expect(values.ports.websecure.exposedPort).toBe(443);
  });
  test('redirects HTTP to HTTPS with the v39+ entry point syntax', () => {
    expect(values.ports.web.http.redirections.entryPoint).toEqual({ to: 'websecure', scheme: 'https', permanent: true });
    expect(values.ports.web.redirectTo).toBeUndefined();
  });
  test('gets the client IP through the load balancer: PROXY protocol from the private network, X-Forwarded-For from Cloudflare', () => {
    // The Civo load balancer sends PROXY protocol v2 only when the Service asks for it ...
    expect(values.service.annotations[CIVO_PROXY_PROTOCOL]).toBe('send-proxy-v2');
    expect(values.service.spec.externalTrafficPolicy).toBe('Local');
    for (const port of ['web', 'websecure']) {
      // ... and Traefik takes that header only from the network the load balancer sits in (never from
      // Cloudflare, which sends none), then X-Forwarded-For only from Cloudflare's edge.
      expect(values.ports[port].proxyProtocol).toEqual({ trustedIPs: [cluster.network.cidr] });
      expect(values.ports[port].proxyProtocol.insecure).not.toBe(true);
      expect(values.ports[port].forwardedHeaders).toEqual({ trustedIPs: [...CLOUDFLARE_RANGES] });
    }
  });
  test('writes the Cloudflare ranges once in its values', () => {
    const text = (find(objects, 'HelmChart', 'traefik', 'kube-system') as any).spec.valuesContent as string;
    expect(text.split(CLOUDFLARE_RANGES[0]!).length - 1).toBe(1);
  });
  test('the docs describe the same client-IP design', () => {
    const doc = readFileSync('docs/client-ip.md', 'utf8');
    expect(doc).toContain(CIVO_PROXY_PROTOCOL);
    expect(doc).toContain('send-proxy-v2');
    expect(doc).toContain('network.cidr');
    expect(doc).toMatch(/X-Forwarded-For/);
  });
  test('serves the wildcard certificate by default and keeps the dashboard private', () => {
    const cert = find(objects, 'Certificate', 'wildcard', 'traefik') as any;
    expect(values.tlsStore.default.defaultCertificate.secretName).toBe(cert.spec.secretName);
    expect(values.ingressRoute.dashboard.enabled).toBe(false);
  });
});

describe('cert-manager', () => {
  test('installs its CRDs', () => {
    expect(helmValues(objects, 'cert-manager').crds.enabled).toBe(true);
  });
  test('has staging and production ACME issuers solving DNS-01 through Cloudflare', () => {
    for (const [name, server] of [
      ['letsencrypt-staging', 'https://acme-staging-v02.api.letsencrypt.org/directory'],
      ['letsencrypt-prod', 'https://acme-v02.api.letsencrypt.org/directory'],
    ]) {
      const issuer = find(objects, 'ClusterIssuer', name!) as any;
      expect(issuer.spec.acme.server).toBe(server);
      expect(issuer.spec.acme.email).toBe(cluster.acmeEmail);
      const ref = issuer.spec.acme.solvers[0].dns01.cloudflare.apiTokenSecretRef;
      // The token Secret is written by an ExternalSecret in cert-manager's namespace, never rendered.
      const external = find(objects, 'ExternalSecret', ref.name, 'cert-manager') as any;
      expect(external.spec.data.map((d: any) => d.secretKey)).toContain(ref.key);
      expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
    }
  });
  test('issues one wildcard certificate for the domain and its apex', () => {
    const cert = find(objects, 'Certificate', 'wildcard', 'traefik') as any;
    expect(cert.spec.dnsNames).toEqual([cluster.domain, `*.${cluster.domain}`]);
    expect(cert.spec.issuerRef).toEqual({ kind: 'ClusterIssuer', name: 'letsencrypt-prod' });
  });
});

describe('External Secrets Operator', () => {
  test('installs its CRDs', () => {
    expect(helmValues(objects, 'external-secrets').installCRDs).toBe(true);
  });
  test('every SecretStore reads Infisical Cloud EU with Universal Auth, from one folder, refreshing as configured', () => {
    const stores = objects.filter((o) => o.kind === 'SecretStore') as any[];
    expect(stores.length).toBeGreaterThan(1);
    for (const store of stores) {
      const infisical = store.spec.provider.infisical;
      expect(infisical.hostAPI).toBe('https://eu.infisical.com');
      expect(infisical.auth.universalAuthCredentials.clientId.name).toBe('infisical-universal-auth');
      expect(infisical.secretsScope).toMatchObject({ projectSlug: cluster.infisical.projectSlug, environmentSlug: cluster.infisical.environmentSlug, recursive: false });
      expect(infisical.secretsScope.secretsPath).toMatch(/^\/(platform|apps|backups)\/[a-z0-9-]+$/);
      // The backup store reads the app's own /backups/<app> folder; the app store its /apps/<app>.
      if (store.metadata.name === 'infisical-backups') expect(infisical.secretsScope.secretsPath).toBe(`/backups/${store.metadata.namespace}`);
    }
    for (const external of objects.filter((o) => o.kind === 'ExternalSecret') as any[]) {
      expect(external.spec.refreshInterval).toBe(cluster.infisical.refreshInterval);
      expect(['infisical', 'infisical-backups']).toContain(external.spec.secretStoreRef.name);
      expect(external.spec.secretStoreRef.kind).toBe('SecretStore');
      expect(stores.some((s) => s.metadata.namespace === external.metadata.namespace && s.metadata.name === external.spec.secretStoreRef.name)).toBe(true);
    }
  });
});

describe('cluster autoscaler', () => {
  const values = helmValues(objects, 'cluster-autoscaler');
  test('scales the Civo node pool within the configured bounds', () => {
    expect(values.cloudProvider).toBe('civo');
    expect(values.autoscalingGroups).toEqual([{ name: 'workers', minSize: cluster.nodePool.minNodes, maxSize: cluster.nodePool.maxNodes }]);
    expect(values.secretKeyRefNameOverride).toBe('civo-api-access');
    expect(values.extraArgs).toMatchObject({ 'scale-down-delay-after-add': '10m', expander: 'least-waste' });
  });
  test('runs the autoscaler release of the cluster\'s Kubernetes minor, not the chart default', () => {
    const minor = cluster.kubernetes.version.split('.').slice(0, 2).join('.');
    expect(values.image.tag).toBe(CLUSTER_AUTOSCALER_RELEASES[minor]);
    expect(values.image.tag).toMatch(new RegExp(`^v${minor.replace('.', '\\.')}\\.[0-9]+$`));
  });
  test('refuses a cluster whose minor has no pinned autoscaler release', () => {
    const newer = { ...cluster, kubernetes: { ...cluster.kubernetes, version: '1.99.0-k3s1' } };
    expect(() => render({ cluster: newer })).toThrow(/no cluster-autoscaler release pinned for Kubernetes 1\.99/);
  });
});

describe('monitoring', () => {
  const values = helmValues(objects, 'k8s-monitoring');
  test('ships metrics and logs to Grafana Cloud with credentials from an ExternalSecret', () => {
    const byType = Object.fromEntries(values.destinations.map((d: any) => [d.type, d]));
    expect(byType.prometheus.url).toBe(cluster.grafanaCloud.metricsUrl);
    expect(byType.loki.url).toBe(cluster.grafanaCloud.logsUrl);
    for (const d of values.destinations) {
      expect(d.secret.create).toBe(false);
      const external = find(objects, 'ExternalSecret', d.secret.name, d.secret.namespace) as any;
      const keys = external.spec.data.map((x: any) => x.secretKey);
      expect(keys).toContain(d.auth.usernameKey);
      expect(keys).toContain(d.auth.passwordKey);
    }
    expect(values.clusterMetrics.enabled && values.podLogs.enabled).toBe(true);
  });
  test('sizes every workload the chart deploys, and deploys no Windows exporter', () => {
    // The chart renders these only with the keys set; `npm run check-charts` checks the rendered output.
    const sized = [
      values.clusterMetrics['kube-state-metrics'],
      values.clusterMetrics['node-exporter'],
      values['alloy-operator'],
      values['alloy-operator'].waitForAlloyRemoval,
      ...['alloy-metrics', 'alloy-logs', 'alloy-singleton'].flatMap((c) => [values[c].alloy, values[c].configReloader]),
    ];
    for (const s of sized) expect(s.resources).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } });
    expect(values.clusterMetrics['windows-exporter']).toEqual({ enabled: false, deploy: false });
  });
});

describe('Uptime Kuma', () => {
  test('keeps its data on a persistent volume and is served at status.<domain> over TLS', () => {
    const values = helmValues(objects, 'uptime-kuma');
    // The chart mounts a claim dist/ owns, kept from helm, applied before the charts and backed up
    // (docs/backups.md, "Chart volumes"); it keeps the name the chart gave the claim it made.
    expect(values.volume).toEqual({ enabled: true, existingClaim: `${values.fullnameOverride}-pvc` });
    const claim = find(objects, 'PersistentVolumeClaim', values.volume.existingClaim, 'uptime-kuma') as any;
    expect(claim.file).toBe('01-prerequisites/uptime-kuma.yaml');
    expect(claim.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
    expect(claim.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, storageClassName: 'civo-volume' });
    expect((find(objects, 'ReplicationSource', 'uptime-kuma', 'uptime-kuma') as any).spec.sourcePVC).toBe(claim.metadata.name);
    const ingress = find(objects, 'Ingress', 'uptime-kuma', 'uptime-kuma') as any;
    expect(ingress.spec.rules[0].host).toBe(`status.${cluster.domain}`);
    expect(ingress.spec.tls[0].hosts).toEqual([`status.${cluster.domain}`]);
    expect(ingress.metadata.annotations['traefik.ingress.kubernetes.io/router.entrypoints']).toBe('websecure');
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'uptime-kuma', port: { number: values.service.port } });
  });

  test('the status page is public; the admin UI and its setup wizard answer only the admin CIDRs', () => {
    const statusPage = find(objects, 'Ingress', 'uptime-kuma-status-page', 'uptime-kuma') as any;
    expect(statusPage.metadata.annotations['traefik.ingress.kubernetes.io/router.middlewares']).toBeUndefined();
    const publicPaths = statusPage.spec.rules[0].http.paths.map((p: any) => p.path);
    expect(publicPaths).toEqual([...PUBLIC_STATUS_PATHS]);
    for (const path of ['/', '/setup', '/dashboard', '/settings', '/socket.io']) expect(publicPaths.some((p: string) => path.startsWith(p)), path).toBe(false);

    const admin = find(objects, 'Ingress', 'uptime-kuma', 'uptime-kuma') as any;
    expect(admin.spec.rules[0].http.paths.map((p: any) => p.path)).toEqual(['/']);
    expect(admin.metadata.annotations['traefik.ingress.kubernetes.io/router.middlewares']).toBe('uptime-kuma-admin-only@kubernetescrd');
    const middleware = find(objects, 'Middleware', 'admin-only', 'uptime-kuma') as any;
    expect(middleware.spec.ipAllowList.sourceRange).toEqual(cluster.adminCidrs);
    // The client is the right-most forwarded address that is not a Cloudflare edge.
    expect(middleware.spec.ipAllowList.ipStrategy.excludedIPs).toEqual([...CLOUDFLARE_RANGES]);
  });
});

describe('namespaces', () => {
  test('enforce restricted Pod Security unless a visible reason says why not', () => {
    const namespaces = objects.filter((o) => o.kind === 'Namespace') as any[];
    expect(namespaces.map((n) => n.metadata.name)).toEqual(expect.arrayContaining(['traefik', 'cert-manager', 'external-secrets', 'monitoring', 'uptime-kuma', 'reloader']));
    for (const ns of namespaces) {
      const level = ns.metadata.labels['pod-security.kubernetes.io/enforce'];
      if (level !== 'restricted') expect(ns.metadata.annotations?.['hobby-infra.dev/pod-security-reason'], ns.metadata.name).toBeTruthy();
    }
    expect(namespaces.filter((n) => n.metadata.labels['pod-security.kubernetes.io/enforce'] === 'restricted').length).toBeGreaterThan(namespaces.length / 2);
  });
});
