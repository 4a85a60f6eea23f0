import { describe, expect, it } from 'vitest';
import { compareWebhookDeployments, compareWorkloads, renderedWebhooks, renderedWorkloads } from '../lib/delivery/chart-workloads';
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

describe('renderedWebhooks and compareWebhookDeployments', () => {
  const labelled = (name: string, labels: Record<string, string>): Manifest => ({
    ...workload('Deployment', name),
    spec: { template: { metadata: { labels }, spec: { containers: [] } } },
  });
  const service = (name: string, selector: Record<string, string>, namespace?: string): Manifest => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, ...(namespace ? { namespace } : {}) }, spec: { selector } });
  const config = (kind: string, webhooks: Record<string, unknown>[]): Manifest => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: { name: 'hooks' }, webhooks });
  const objects = [
    labelled('operator', { app: 'operator', tier: 'control' }),
    labelled('worker', { app: 'worker' }),
    service('webhook-service', { app: 'operator' }),
    config('MutatingWebhookConfiguration', [{ name: 'mcluster.example.io', clientConfig: { service: { name: 'webhook-service', namespace: 'system' } } }]),
    config('ValidatingWebhookConfiguration', [
      { name: 'vcluster.example.io', clientConfig: { service: { name: 'webhook-service', namespace: 'system' } } },
      { name: 'vcluster.example.io', clientConfig: { service: { name: 'webhook-service', namespace: 'system' } } },
    ]),
  ];

  it('traces each webhook through its Service\'s selector to the Deployments whose pods it selects', () => {
    expect(renderedWebhooks(objects, 'system')).toEqual([
      { name: 'mcluster.example.io', deployments: ['operator'] },
      { name: 'vcluster.example.io', deployments: ['operator'] },
      { name: 'vcluster.example.io', deployments: ['operator'] },
    ]);
    expect(compareWebhookDeployments(['operator'], renderedWebhooks(objects, 'system'))).toBeUndefined();
  });

  it('names a serving Deployment that is not declared (CloudNativePG\'s case), and a declared one that serves nothing', () => {
    expect(compareWebhookDeployments(['worker'], renderedWebhooks(objects, 'system'))).toBe(
      'serves the webhooks mcluster.example.io, vcluster.example.io from deployment/operator, not in webhookDeployments; declared webhook Deployment worker, which serves none of the webhooks the chart renders',
    );
    expect(compareWebhookDeployments(['worker'], [])).toBe('declared webhook Deployment worker, which serves none of the webhooks the chart renders');
  });

  it('names a webhook no Deployment can be found behind: a URL, a Service not rendered, a Service in another namespace, pods of a DaemonSet', () => {
    const webhooks = renderedWebhooks(
      [
        { ...labelled('agent', { app: 'agent' }), kind: 'DaemonSet' },
        { ...labelled('operator', { app: 'operator' }), metadata: { name: 'operator', namespace: 'elsewhere' } },
        service('agent', { app: 'agent' }),
        service('operator', { app: 'operator' }, 'elsewhere'),
        config('ValidatingWebhookConfiguration', [
          { name: 'url.example.io', clientConfig: { url: 'https://hooks.example.io/validate' } },
          { name: 'gone.example.io', clientConfig: { service: { name: 'gone' } } },
          { name: 'agent.example.io', clientConfig: { service: { name: 'agent', namespace: 'system' } } },
          { name: 'far.example.io', clientConfig: { service: { name: 'operator', namespace: 'elsewhere' } } },
        ]),
      ],
      'system',
    );
    expect(compareWebhookDeployments([], webhooks)?.split('; ')).toEqual([
      'webhook url.example.io calls https://hooks.example.io/validate, not a Service of the chart (the apply can wait only for a Deployment)',
      'webhook gone.example.io calls the Service system/gone, which the chart does not render (the apply can wait only for a Deployment)',
      'webhook agent.example.io calls the Service system/agent, which selects no Deployment of system (the apply can wait only for a Deployment)',
      'webhook far.example.io calls the Service elsewhere/operator, which selects no Deployment of system (the apply can wait only for a Deployment)',
    ]);
  });
});
