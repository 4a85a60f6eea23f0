import { describe, expect, test } from 'vitest';
import { containerResourceProblems } from '../lib/delivery/helm';
import type { Manifest } from '../lib/render';

/* The checks `npm run check-charts` runs on rendered charts (test/helm/ runs them on a real helm's output). */

const sized = { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } };
const workload = (kind: string, containers: object[], initContainers: object[] = []): Manifest => {
  const pod = { containers, initContainers };
  const spec = kind === 'Pod' ? pod : kind === 'CronJob' ? { jobTemplate: { spec: { template: { spec: pod } } } } : { template: { spec: pod } };
  return { apiVersion: 'v1', kind, metadata: { name: 'w', namespace: 'ns' }, spec };
};

describe('container resources on rendered objects', () => {
  test.each(['Deployment', 'DaemonSet', 'StatefulSet', 'Job', 'CronJob', 'Pod'])('%s: every container and init container', (kind) => {
    expect(containerResourceProblems([workload(kind, [{ name: 'a', resources: sized }], [{ name: 'i', resources: sized }])])).toEqual([]);
    expect(containerResourceProblems([workload(kind, [{ name: 'a', resources: { requests: sized.requests } }], [{ name: 'i' }])])).toEqual([
      `${kind} ns/w init container i: no cpu request, no memory request, no memory limit`,
      `${kind} ns/w container a: no memory limit`,
    ]);
  });

  test('Alloy objects of the Alloy operator: Alloy and its config reloader', () => {
    const alloy = (spec: object): Manifest => ({ apiVersion: 'collectors.grafana.com/v1alpha1', kind: 'Alloy', metadata: { name: 'a', namespace: 'm' }, spec });
    expect(containerResourceProblems([alloy({ alloy: { resources: sized }, configReloader: { resources: sized } })])).toEqual([]);
    expect(containerResourceProblems([alloy({ alloy: { resources: sized }, configReloader: { resources: { requests: sized.requests } } })])).toEqual([
      'Alloy.collectors.grafana.com m/a configReloader: no memory limit',
    ]);
    expect(containerResourceProblems([alloy({ alloy: { resources: sized }, configReloader: { enabled: false } })])).toEqual([]);
  });
});
