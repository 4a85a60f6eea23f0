import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fixtureCluster as cluster } from './fixtures/cluster';
import { loadApps, type AppSource } from '../lib/app-spec';
import { appFile, find, helmValues, render } from './helpers';

/*
 * What an app of several processes gets beyond test/apps.test.ts: network doors per process, config
 * files (inline or kept in apps/<app>/), and the HTTP limits of its hosts.
 */

describe('network doors per process', () => {
  test('with several processes, Traefik reaches only the web pods and each process only its own egress ports', () => {
    const objects = render({
      apps: [
        appFile('multi', {
          hosts: ['multi'],
          components: {
            web: { image: 'ghcr.io/me/web:1.0.0', port: 8080, egressPorts: [443] },
            ml: { image: 'ghcr.io/me/ml:1.0.0', port: 8080, internal: true },
            worker: { image: 'ghcr.io/me/worker:1.0.0', egressPorts: [25, 587] },
          },
        }),
      ],
    }).objects.filter((o) => o.metadata.namespace === 'multi');
    const allow = find(objects, 'NetworkPolicy', 'allow-declared') as any;
    expect(allow.spec.ingress).toEqual([{ from: [{ podSelector: allow.spec.podSelector }] }]);
    expect(allow.spec.egress.some((r: any) => r.to?.some((t: any) => t.ipBlock))).toBe(false);
    const traefik = find(objects, 'NetworkPolicy', 'allow-traefik') as any;
    expect(traefik.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/part-of': 'multi', 'hobby-infra.dev/routed': 'true' });
    expect(traefik.spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'traefik' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    // The internal component listens on the same port number, but its pods do not carry the label.
    const labels = (name: string) => (find(objects, 'Deployment', name) as any).spec.template.metadata.labels;
    expect(labels('multi-web')['hobby-infra.dev/routed']).toBe('true');
    expect(labels('multi-ml')['hobby-infra.dev/routed']).toBeUndefined();
    expect(objects.some((o) => o.kind === 'Ingress' && JSON.stringify(o).includes('multi-ml'))).toBe(false);
    const egress = (name: string) => (find(objects, 'NetworkPolicy', `egress-${name}`) as any).spec;
    expect(egress('multi-web').podSelector.matchLabels['app.kubernetes.io/name']).toBe('multi-web');
    expect(egress('multi-web').egress[0].ports).toEqual([{ protocol: 'TCP', port: 443 }]);
    expect(egress('multi-worker').egress[0].ports).toEqual([{ protocol: 'TCP', port: 25 }, { protocol: 'TCP', port: 587 }]);
    expect(objects.some((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'egress-multi-ml')).toBe(false);
  });
});

describe('config files', () => {
  const withFolder = (dir: string, spec: unknown): AppSource => ({ ...appFile('web', spec), dir });

  test('inline or kept in apps/<app>/: one ConfigMap, each file mounted read-only alone, pods roll when one changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hobby-infra-files-'));
    mkdirSync(join(dir, 'web/conf'), { recursive: true });
    writeFileSync(join(dir, 'web/conf/nginx.conf'), 'server { listen 8080; }\n');
    try {
      const spec = { image: 'ghcr.io/me/web:1.0.0', port: 8080, files: { '/etc/nginx/conf.d/default.conf': { file: 'conf/nginx.conf' }, '/etc/web/motd': 'hello\n' } };
      const objects = render({ apps: [withFolder(dir, spec)] }).objects.filter((o) => o.metadata.namespace === 'web');
      const configMap = find(objects, 'ConfigMap', 'web-files') as any;
      expect(Object.values(configMap.data).sort()).toEqual(['hello\n', 'server { listen 8080; }\n']);
      const deployment = find(objects, 'Deployment', 'web') as any;
      const mounts = deployment.spec.template.spec.containers[0].volumeMounts.filter((m: any) => m.name === 'files');
      expect(mounts.map((m: any) => [m.mountPath, configMap.data[m.subPath], m.readOnly])).toEqual([
        ['/etc/nginx/conf.d/default.conf', 'server { listen 8080; }\n', true],
        ['/etc/web/motd', 'hello\n', true],
      ]);
      const checksum = deployment.spec.template.metadata.annotations['hobby-infra.dev/files-checksum'];
      writeFileSync(join(dir, 'web/conf/nginx.conf'), 'server { listen 8081; }\n');
      const again = find(render({ apps: [withFolder(dir, spec)] }).objects, 'Deployment', 'web', 'web') as any;
      expect(again.spec.template.metadata.annotations['hobby-infra.dev/files-checksum']).not.toBe(checksum);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a file that is not in the app\'s folder is refused, naming the field and the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hobby-infra-files-'));
    try {
      const spec = { image: 'ghcr.io/me/web:1.0.0', port: 8080, files: { '/etc/app.ini': { file: 'app.ini' } } };
      expect(() => loadApps([withFolder(dir, spec)], cluster)).toThrow(`files./etc/app.ini: got { file: "app.ini" }, expected a file ${dir}/web/app.ini (there is none)`);
      expect(() => loadApps([withFolder(dir, { ...spec, files: { '/etc/app.ini': { file: '../secrets.env' } } })], cluster)).toThrow(/files\.\/etc\/app\.ini\.file: got "\.\.\/secrets\.env", expected a file in the app's folder/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('HTTP settings for uploads', () => {
  test('a body limit is a Buffering middleware on the app\'s Ingress; the entry point waits as long as the slowest app allows', () => {
    const { objects } = render({
      apps: [
        appFile('photos', { image: 'ghcr.io/me/photos:1.0.0', port: 8080, hosts: ['photos'], private: true, http: { maxBodySize: '2Gi', requestTimeoutSeconds: 1800 } }),
        appFile('docs', { image: 'ghcr.io/me/docs:1.0.0', port: 8080, hosts: ['docs'], http: { requestTimeoutSeconds: 300 } }),
      ],
    });
    const middleware = find(objects, 'Middleware', 'http-limits', 'photos') as any;
    expect(middleware.spec.buffering).toEqual({ maxRequestBodyBytes: 2 * 1024 ** 3, memRequestBodyBytes: 1024 ** 2 });
    const ingress = find(objects, 'Ingress', 'photos', 'photos') as any;
    expect(ingress.metadata.annotations['traefik.ingress.kubernetes.io/router.middlewares']).toBe('photos-admin-only@kubernetescrd,photos-http-limits@kubernetescrd');
    expect(objects.some((o) => o.kind === 'Middleware' && o.metadata.namespace === 'docs')).toBe(false);
    expect(helmValues(objects, 'traefik').ports.websecure.transport).toEqual({ respondingTimeouts: { readTimeout: '1800s' } });
    // Without an app asking, Traefik keeps its own default.
    expect(helmValues(render({ apps: [appFile('docs', { image: 'ghcr.io/me/docs:1.0.0', port: 8080, hosts: ['docs'] })] }).objects, 'traefik').ports.websecure.transport).toBeUndefined();
  });
});
