import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { fixtureCluster as cluster } from './fixtures/cluster';
import { parseManifests } from '../lib/delivery/manifests';
import { capacityReport } from '../lib/report/capacity';
import { renderCapacityChange, renderCapacityMarkdown } from '../lib/report/markdown';
import { render } from './helpers';

const load = (name: string) => parseManifests(readFileSync(`test/fixtures/report/${name}.yaml`, 'utf8'), name);
// platform.yaml: a DaemonSet-kind Traefik chart and cert-manager (two `resources` in its values);
// app.yaml: a Deployment with 2 replicas.
const fixture = [...load('platform'), ...load('app')];
// Two g4s.kube.small nodes (1 CPU, 2048 MiB, $10.86 each) at minimum, four at most.
const smallPool = { ...cluster, nodePool: { size: 'g4s.kube.small' as const, minNodes: 2, maxNodes: 4 } };

describe('capacity report', () => {
  test('totals match a hand count of the fixture', () => {
    const r = capacityReport(fixture, smallPool);
    // Hand count at the minimum pool (2 nodes):
    //   traefik DaemonSet      2 × (100m, 64Mi) req, 2 × (500m, 256Mi) lim -> 200m, 128Mi / 1000m, 512Mi
    //   cert-manager           50m 128Mi req, 256Mi lim; webhook 10m 32Mi req, 64Mi lim
    //   api Deployment         2 × (200m, 256Mi) req, 2 × (1000m, 512Mi) lim -> 400m, 512Mi / 2000m, 1024Mi
    //   requests: CPU 200+50+10+400 = 660m; memory 128+128+32+512 = 800Mi
    //   limits:   CPU 1000+0+0+2000 = 3000m; memory 512+256+64+1024 = 1856Mi
    expect(r.total).toEqual({ cpuRequest: 660, memoryRequest: 800, cpuLimit: 3000, memoryLimit: 1856 });
    expect(r.namespaces).toEqual([
      { namespace: 'api', total: { cpuRequest: 400, memoryRequest: 512, cpuLimit: 2000, memoryLimit: 1024 } },
      { namespace: 'cert-manager', total: { cpuRequest: 60, memoryRequest: 160, cpuLimit: 0, memoryLimit: 320 } },
      { namespace: 'traefik', total: { cpuRequest: 200, memoryRequest: 128, cpuLimit: 1000, memoryLimit: 512 } },
    ]);
    expect(r.components.map((c) => [c.name, c.replicas])).toEqual([
      ['HelmChart traefik: resources', 'per node'],
      ['HelmChart cert-manager: resources', 1],
      ['HelmChart cert-manager: webhook.resources', 1],
      ['Deployment api/api', 2],
    ]);
    // Allocatable per node (90%): 900m, 1843.2Mi. Fixed requests 460m / 672Mi plus 100m / 64Mi per node:
    // CPU needs ceil(460 / (900 - 100)) = 1 node; memory ceil(672 / (1843.2 - 64)) = 1 node.
    expect(r.nodesNeeded).toBe(1);
    expect(r.headroomAtMin.cpu).toBeCloseTo(1800 - 660);
    expect(r.headroomAtMin.memory).toBeCloseTo(3686.4 - 800);
    expect(r.monthlyUsd).toEqual({ min: 21.72, needed: 10.86, max: 43.44 });
    expect(r.warnings).toEqual([]);
  });

  test('every rule: chart replicas, default DaemonSets, disabled subtrees, hook Jobs, init containers, HPAs, DaemonSets', () => {
    const r = capacityReport(load('extras'), smallPool);
    // Hand count at the minimum pool (2 nodes), test/fixtures/report/extras.yaml:
    //   alloy-metrics    controller.replicas 2 × (50m, 256Mi)                  -> 100m, 512Mi req
    //   alloy-logs       chart default DaemonSet: 2 nodes × (20m, 96Mi), 256Mi lim -> 40m, 192Mi req; 512Mi lim
    //   alloy-profiles   enabled: false -> nothing; rbac.resources is a list, not resources
    //   cert-manager     replicaCount 2, limits only (100m, 128Mi) = requests  -> 200m, 256Mi req; 200m, 256Mi lim
    //   startupapicheck  Helm hook Job -> 0
    //   web              HPA min 3 (spec.replicas 1 ignored); per pod max(init 500m, app 100m) = 500m CPU,
    //                    max(64Mi, 128Mi) = 128Mi; limits 200m, 256Mi -> 1500m, 384Mi req; 600m, 768Mi lim
    //   node-agent       DaemonSet 2 × (10m, 16Mi) -> 20m, 32Mi req
    //   requests: CPU 100+40+200+1500+20 = 1860m; memory 512+192+256+384+32 = 1376Mi
    //   limits:   CPU 200+600 = 800m; memory 512+256+768 = 1536Mi
    expect(r.total).toEqual({ cpuRequest: 1860, memoryRequest: 1376, cpuLimit: 800, memoryLimit: 1536 });
    // With the HPA at 6: web 3000m, 768Mi req, 1200m, 1536Mi lim.
    expect(r.totalAtHpaMax).toEqual({ cpuRequest: 3360, memoryRequest: 1760, cpuLimit: 1400, memoryLimit: 2304 });
    expect(r.namespaces).toEqual([
      { namespace: 'agents', total: { cpuRequest: 20, memoryRequest: 32, cpuLimit: 0, memoryLimit: 0 } },
      { namespace: 'cert-manager', total: { cpuRequest: 200, memoryRequest: 256, cpuLimit: 200, memoryLimit: 256 } },
      { namespace: 'monitoring', total: { cpuRequest: 140, memoryRequest: 704, cpuLimit: 0, memoryLimit: 512 } },
      { namespace: 'web', total: { cpuRequest: 1500, memoryRequest: 384, cpuLimit: 600, memoryLimit: 768 } },
    ]);
    expect(r.components.map((c) => [c.name, c.replicas])).toEqual([
      ['HelmChart monitoring: alloy-metrics.alloy.resources', 2],
      ['HelmChart monitoring: alloy-logs.alloy.resources', 'per node'],
      ['HelmChart cert-manager: resources', 2],
      ['HelmChart cert-manager: startupapicheck.resources', 0],
      ['Deployment web/web', 3],
      ['DaemonSet agents/node-agent', 'per node'],
    ]);
    // Per node: 20m + 10m, 96Mi + 16Mi. Fixed: 100+200+1500 = 1800m, 512+256+384 = 1152Mi.
    // CPU: ceil(1800 / (900 - 30)) = 3 nodes; memory: ceil(1152 / (1843.2 - 112)) = 1 node.
    expect(r.nodesNeeded).toBe(3);
    // Two nodes allocate 1800m: 60m short. Memory: 3686.4 - 1376.
    expect(r.headroomAtMin.cpu).toBeCloseTo(-60);
    expect(r.headroomAtMin.memory).toBeCloseTo(2310.4);
    expect(r.monthlyUsd).toEqual({ min: 21.72, needed: 32.58, max: 43.44 });
    expect(r.warnings).toEqual([
      'CPU requests exceed what the minimum pool (2 × g4s.kube.small) can schedule: the autoscaler must add nodes, 3 needed. Raise nodePool.minNodes or lower requests.',
    ]);
  });

  test('warns when requests exceed what the minimum pool can schedule', () => {
    const xsmall = { ...cluster, nodePool: { size: 'g4s.kube.xsmall' as const, minNodes: 1, maxNodes: 1 } };
    // One xsmall node: 900m, 921.6Mi allocatable. The fixture (560m, 736Mi at one node) fits...
    expect(capacityReport(fixture, xsmall).warnings).toEqual([]);
    // ...twice over it does not (1120m, 1472Mi): 920m fixed + 200m per node needs ceil(920 / 700) = 2
    // nodes for CPU; 1344Mi fixed + 128Mi per node ceil(1344 / 793.6) = 2 for memory.
    const doubled = capacityReport([...fixture, ...fixture], xsmall);
    expect(doubled.warnings[0]).toMatch(/^CPU and memory requests exceed what the minimum pool \(1 × g4s.kube.xsmall\) can schedule/);
    expect(doubled.warnings[1]).toMatch(/need 2 nodes but nodePool.maxNodes is 1/);
    expect(renderCapacityMarkdown(doubled)).toContain('> **Warning:** CPU and memory requests exceed');
    expect(renderCapacityChange(capacityReport(fixture, xsmall), doubled)).toContain('| CPU requests | 560m | 560m → **1.12 CPU** | +560m |');
  });

  test('the markdown states totals, pool, cost and the assumed replicas', () => {
    const md = renderCapacityMarkdown(capacityReport(load('extras'), smallPool));
    expect(md).toContain('| **total** | **1.86 CPU** | **1.34 GiB** | 800m | 1.50 GiB |');
    expect(md).toContain('| total with every HPA at its maximum | 3.36 CPU | 1.72 GiB | 1.40 CPU | 2.25 GiB |');
    expect(md).toContain('Node pool: 2–4 × `g4s.kube.small` (1.00 CPU, 2.00 GiB, $10.86/month each;');
    expect(md).toContain('The requests need **3 nodes**. Estimated cost: $21.72/month at the minimum pool, $32.58 at the nodes needed, $43.44 at the maximum.');
    expect(md).toContain('| monitoring | HelmChart monitoring: alloy-logs.alloy.resources | per node | 20m | 96 MiB | — | 256 MiB | DaemonSet (chart default) |');
    expect(md).toContain('| web | Deployment web/web | 3 (max 6) | 500m | 128 MiB | 200m | 256 MiB | HPA 3–6: counted at its minimum |');
  });

  test('the real platform: every HelmChart and Deployment is counted, and it fits the minimum pool', () => {
    const { objects } = render();
    const r = capacityReport(objects, cluster);
    const charts = objects.filter((o) => o.kind === 'HelmChart').map((o) => o.metadata.name);
    for (const name of charts) expect(r.components.some((c) => c.name.startsWith(`HelmChart ${name}:`)), name).toBe(true);
    expect(r.components.filter((c) => c.name.startsWith('Deployment')).length).toBe(objects.filter((o) => o.kind === 'Deployment').length);
    expect(r.components.find((c) => c.name === 'HelmChart traefik: resources')?.replicas).toBe('per node');
    expect(r.warnings).toEqual([]);
    expect(renderCapacityMarkdown(r)).toMatch(/\| \*\*total\*\* \|/);
  });
});

describe('capacity report: databases', () => {
  test('counts each CloudNativePG Cluster, its instances with the backup sidecar, and its volumes', () => {
    const { objects } = render({ apps: [{ file: 'apps/ledger.ts', exports: { default: { image: 'ghcr.io/me/ledger:1.0.0', port: 8080, databaseEnv: { DATABASE_URL: 'uri' }, database: { size: '2Gi', instances: 3, resources: { requests: { cpu: '200m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } } } } } }] });
    const r = capacityReport(objects as any, cluster);
    expect(r.databases).toEqual([{ namespace: 'ledger', name: 'ledger-db', instances: 3, storageEach: 2048 }]);
    const db = r.components.find((c) => c.name === 'Cluster ledger/ledger-db')!;
    // 200m + 20m sidecar, 512Mi + 96Mi sidecar per instance; 1 CPU + 500m, 1024Mi + 384Mi limits.
    expect(db).toMatchObject({ replicas: 3, each: { cpuRequest: 220, memoryRequest: 608, cpuLimit: 1500, memoryLimit: 1408 } });
    const markdown = renderCapacityMarkdown(r);
    expect(markdown).toContain('Databases: **1** (CloudNativePG), 3 instances, 6.00 GiB of volumes');
    expect(markdown).toContain('| ledger/ledger-db | 3 | 2.00 GiB |');
  });

  test('says so when there is none', () => {
    const { objects } = render({ apps: [] });
    expect(renderCapacityMarkdown(capacityReport(objects as any, cluster))).toContain('Databases: none.');
  });
});

describe('capacity report: jobs and cron jobs', () => {
  test('count nothing between runs, and a pod (two when runs may overlap) at most', () => {
    const spec = {
      image: 'ghcr.io/me/news:1.0.0',
      port: 8080,
      jobs: { migrate: { image: 'ghcr.io/me/news:1.0.0', resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } } } },
      cronJobs: {
        digest: { image: 'ghcr.io/me/news:1.0.0', schedule: '0 6 * * *', resources: { requests: { cpu: '200m', memory: '64Mi' } } },
        sweep: { image: 'ghcr.io/me/news:1.0.0', schedule: '@hourly', concurrency: 'Allow' },
      },
    };
    const r = capacityReport(render({ apps: [{ file: 'apps/news.ts', exports: { default: spec } }] }).objects as any, cluster);
    const of = (prefix: string) => r.components.find((c) => c.name.startsWith(prefix))!;
    expect(of('Job news/news-migrate-')).toMatchObject({ replicas: 0, maxReplicas: 1, each: { cpuRequest: 100, memoryRequest: 128 } });
    expect(of('CronJob news/news-digest')).toMatchObject({ replicas: 0, maxReplicas: 1, each: { cpuRequest: 200, memoryRequest: 64 }, note: 'CronJob 0 6 * * *: a pod only while it runs' });
    expect(of('CronJob news/news-sweep')).toMatchObject({ replicas: 0, maxReplicas: 2 });
    // The totals count the web component alone; at most, every job runs too.
    const web = of('Deployment news/news');
    const news = r.namespaces.find((n) => n.namespace === 'news')!;
    expect(news.total.cpuRequest).toBe(web.each.cpuRequest);
  });
});
