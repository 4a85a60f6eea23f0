import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { cluster } from '../config/cluster';
import { parseManifests } from '../lib/delivery/manifests';
import { capacityReport, renderCapacityMarkdown } from '../lib/report/capacity';
import { render } from './helpers';

const fixture = ['platform', 'app'].flatMap((f) => parseManifests(readFileSync(`test/fixtures/report/${f}.yaml`, 'utf8'), f));
// Two g4s.kube.small nodes (1 CPU, 2048 MiB, $10.86 each) at minimum, four at most.
const smallPool = { ...cluster, nodePool: { size: 'g4s.kube.small' as const, minNodes: 2, maxNodes: 4 } };

describe('capacity report', () => {
  test('totals match a hand count of the fixture', () => {
    const r = capacityReport(fixture, smallPool);
    // Hand count at the minimum pool (2 nodes):
    //   traefik DaemonSet      2 × (100m, 64Mi)  req,  2 × (500m, 256Mi) lim  -> 200m, 128Mi / 1000m, 512Mi
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
    // Allocatable per node: 900m, 1843.2Mi. Fixed requests 460m / 672Mi plus 100m / 64Mi per node:
    // CPU needs ceil(460 / (900 - 100)) = 1 node; memory ceil(672 / (1843.2 - 64)) = 1 node.
    expect(r.nodesNeeded).toBe(1);
    expect(r.headroomAtMin.cpu).toBeCloseTo(1800 - 660);
    expect(r.headroomAtMin.memory).toBeCloseTo(3686.4 - 800);
    expect(r.monthlyUsd).toEqual({ min: 21.72, needed: 10.86, max: 43.44 });
    expect(r.warnings).toEqual([]);
  });

  test('warns when requests exceed what the minimum pool can schedule', () => {
    const xsmall = { ...cluster, nodePool: { size: 'g4s.kube.xsmall' as const, minNodes: 1, maxNodes: 1 } };
    // One xsmall node: 900m allocatable. The fixture (460m fixed + 100m per node) fits...
    expect(capacityReport(fixture, xsmall).warnings).toEqual([]);
    // ...twice over it does not: 920m fixed + 200m per node needs ceil(920 / 700) = 2 nodes.
    const doubled = capacityReport([...fixture, ...fixture], xsmall);
    expect(doubled.warnings[0]).toMatch(/Requests exceed what the minimum pool \(1 × g4s.kube.xsmall\) can schedule/);
    expect(doubled.warnings[1]).toMatch(/need 2 nodes but nodePool.maxNodes is 1/);
    expect(renderCapacityMarkdown(doubled)).toContain('> **Warning:**');
  });

  test('the real platform: every HelmChart and Deployment is counted, and it fits the minimum pool', () => {
    const { objects } = render();
    const r = capacityReport(objects, cluster);
    const charts = objects.filter((o) => o.kind === 'HelmChart').map((o) => o.metadata.name);
    for (const name of charts) expect(r.components.some((c) => c.name.startsWith(`HelmChart ${name}:`)), name).toBe(true);
    expect(r.components.filter((c) => c.name.startsWith('Deployment')).length).toBe(objects.filter((o) => o.kind === 'Deployment').length);
    expect(r.warnings).toEqual([]);
    expect(renderCapacityMarkdown(r)).toMatch(/\| \*\*total\*\* \|/);
  });
});
