import { describe, expect, it } from 'vitest';
import { compareWorkloads, renderedWorkloads } from '../lib/delivery/chart-workloads';
import type { Manifest } from '../lib/render';

/*
 * The comparison `npm run check-charts` makes between the workloads a chart file declares and those
 * helm renders (test/helm/chart-workloads.test.ts runs it on a real helm's output).
 */

const workload = (kind: string, name: string, extra: Partial<Manifest['metadata']> = {}): Manifest => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { name, ...extra },
  spec: { template: { spec: { containers: [] } } },
});
const alloy = (name: string, spec: Record<string, unknown>): Manifest => ({ apiVersion: 'collectors.grafana.com/v1alpha1', kind: 'Alloy', metadata: { name, namespace: 'monitoring' }, spec });

describe('renderedWorkloads', () => {
  it('lists Deployments, DaemonSets and StatefulSets in the namespace helm puts them in, not hooks, Jobs or other groups', () => {
    const objects = [
      workload('Deployment', 'web'),
      workload('DaemonSet', 'agent', { namespace: 'other' }),
      workload('StatefulSet', 'db'),
      workload('Deployment', 'pre-install', { annotations: { 'helm.sh/hook': 'pre-install' } }),
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate' }, spec: {} },
      { apiVersion: 'example.com/v1', kind: 'Deployment', metadata: { name: 'not-apps' } },
    ];
    expect(renderedWorkloads(objects, 'demo')).toEqual([
      { ref: 'deployment/web', namespace: 'demo' },
      { ref: 'daemonset/agent', namespace: 'other' },
      { ref: 'statefulset/db', namespace: 'demo' },
    ]);
  });

  it('names the workload the Alloy operator makes of an Alloy object as the Alloy chart does (alloy.fullname, controller.type)', () => {
    expect(
      renderedWorkloads(
        [
          alloy('k8s-monitoring-alloy-metrics', { nameOverride: 'alloy-metrics', controller: { type: 'statefulset' } }),
          alloy('collector', {}),
          alloy('x', { fullnameOverride: 'fixed-', controller: { type: 'deployment' } }),
        ],
        'ignored',
      ),
    ).toEqual([
      { ref: 'statefulset/k8s-monitoring-alloy-metrics', namespace: 'monitoring' },
      { ref: 'daemonset/collector-alloy', namespace: 'monitoring' },
      { ref: 'deployment/fixed', namespace: 'monitoring' },
    ]);
  });
});

describe('compareWorkloads', () => {
  const rendered = [
    { ref: 'deployment/cert-manager', namespace: 'cert-manager' },
    { ref: 'deployment/cert-manager-webhook', namespace: 'cert-manager' },
  ];

  it('agrees when every declared workload is rendered and every rendered one declared', () => {
    expect(compareWorkloads(['deployment/cert-manager-webhook', 'deployment/cert-manager'], rendered, 'cert-manager')).toEqual({
      matched: ['deployment/cert-manager', 'deployment/cert-manager-webhook'],
    });
    expect(compareWorkloads([], [], 'cert-manager')).toEqual({ matched: [] });
  });

  it('names both sides: what is declared but not rendered, and what is rendered but not declared', () => {
    const r = compareWorkloads(['deployment/cert-manager', 'deployment/foo'], rendered, 'cert-manager');
    expect(r.problem).toBe('declared deployment/foo, helm renders none in cert-manager; renders deployment/cert-manager-webhook, not declared');
    expect(r.matched).toEqual(['deployment/cert-manager']);
  });

  it('tells a kind apart (a DaemonSet switched to a Deployment by a value) and names several missing ones', () => {
    expect(compareWorkloads(['daemonset/cert-manager', 'statefulset/x'], rendered, 'cert-manager').problem).toBe(
      'declared daemonset/cert-manager, statefulset/x, helm renders none of them in cert-manager; renders deployment/cert-manager, deployment/cert-manager-webhook, not declared',
    );
  });

  it('counts only the target namespace, and reports a workload rendered elsewhere (the apply cannot judge it)', () => {
    const r = compareWorkloads(['deployment/cert-manager', 'deployment/cert-manager-webhook'], [...rendered, { ref: 'daemonset/agent', namespace: 'kube-system' }], 'cert-manager');
    expect(r.problem).toBe('renders daemonset/agent in kube-system, outside its target namespace cert-manager (the apply judges only workloads of the target namespace)');
    expect(compareWorkloads(['deployment/cert-manager'], [{ ref: 'deployment/cert-manager', namespace: 'other' }], 'cert-manager').problem).toMatch(
      /^declared deployment\/cert-manager, helm renders none in cert-manager; renders deployment\/cert-manager in other, outside/,
    );
  });

  it('refuses a declaration that is not kind/name of a kind the apply can judge', () => {
    expect(compareWorkloads(['Deployment/cert-manager', 'job/x', 'deployment/cert-manager', 'deployment/cert-manager-webhook'], rendered, 'cert-manager').problem).toBe(
      'declared "Deployment/cert-manager", "job/x", expected kind/name with kind deployment, daemonset or statefulset',
    );
  });
});
