import { describe, expect, test } from 'vitest';
import { tidyManifest, type Manifest } from '../lib/render';
import { appFile, find, render } from './helpers';

/* dist/ reads like a hand-written manifest: no defaults nobody asked for, keys in reading order. */

const { files, objects } = render();
const text = [...files.values()].join('\n');

describe('dist/ without noise', () => {
  test.each([
    ['externalIPs: []'],
    ['minReadySeconds: 0\n'],
    ['progressDeadlineSeconds: 600\n'],
    ['hostNetwork: false'],
    ['setHostnameAsFQDN: false'],
    ['dnsPolicy: ClusterFirst'],
    ['restartPolicy: Always'],
    ['terminationGracePeriodSeconds: 30\n'],
    ['scheme: HTTP'],
    ['volumeMode: Filesystem'],
    ['readOnly: false'],
    ['1024Mi'],
  ])('no %j', (noise) => expect(text).not.toContain(noise));

  test('keeps what differs from the API default, and what the author asked for', () => {
    const probed = { image: 'ghcr.io/me/probed:1.0.0', port: 8080, hosts: ['probed'], healthPath: '/healthz', startupSeconds: 120 };
    const d = find(render({ apps: [appFile('probed', probed)] }).objects, 'Deployment', 'probed', 'probed') as any;
    const podSpec = d.spec.template.spec;
    const container = podSpec.containers[0];
    expect(container.securityContext.privileged).toBe(false);
    // Service links default to on: the off switch is kept.
    expect(podSpec.enableServiceLinks).toBe(false);
    // Liveness every 20 s (the default is 10) stays; its start is the startup probe's job, so no initial delay at all.
    expect(container.livenessProbe).toEqual({ httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 20 });
    // Readiness at the defaults is the check alone.
    expect(container.readinessProbe).toEqual({ httpGet: { path: '/healthz', port: 8080 } });
    // The startup window the author asked for (120 s at the default 10 s period) keeps its failure threshold.
    expect(container.startupProbe).toEqual({ httpGet: { path: '/healthz', port: 8080 }, failureThreshold: 12 });
    const job: Manifest = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: { restartPolicy: 'Never', hostNetwork: true, containers: [] } } } };
    expect((tidyManifest(job) as any).spec.template.spec).toEqual({ restartPolicy: 'Never', hostNetwork: true, containers: [] });
    const pod: Manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { restartPolicy: 'Always', dnsPolicy: 'Default', containers: [] } };
    expect((tidyManifest(pod) as any).spec).toEqual({ dnsPolicy: 'Default', containers: [] });
    // In every probe, a value at its default goes and any other stays.
    const probe = { tcpSocket: { port: 80 }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 30 };
    const probedPod: Manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'a:1', startupProbe: probe, livenessProbe: { ...probe, initialDelaySeconds: 0, failureThreshold: 3 } }] } };
    const tidied = (tidyManifest(probedPod) as any).spec.containers[0];
    expect(tidied.startupProbe).toEqual({ tcpSocket: { port: 80 }, initialDelaySeconds: 5, failureThreshold: 30 });
    expect(tidied.livenessProbe).toEqual({ tcpSocket: { port: 80 } });
  });

  test('keys in reading order: apiVersion, kind, metadata (name first), spec; a container\'s name, then its image', () => {
    for (const o of objects) {
      const keys = Object.keys(o).filter((k) => k !== 'file');
      expect(keys.slice(0, 3), `${o.kind} ${o.metadata.name}`).toEqual(['apiVersion', 'kind', 'metadata']);
      expect(Object.keys(o.metadata)[0]).toBe('name');
      const pod = (o as any).spec?.template?.spec;
      for (const c of pod?.containers ?? []) expect(Object.keys(c).slice(0, 2)).toEqual(['name', 'image']);
    }
    const chart = find(objects, 'HelmChart', 'traefik', 'kube-system') as any;
    expect(Object.keys(chart.spec).slice(0, 3)).toEqual(['chart', 'repo', 'version']);
    expect(Object.keys(chart.spec).at(-1)).toBe('valuesContent');
  });

  test('quantities as the app declares them', () => {
    const big = { image: 'ghcr.io/me/big:1.0.0', port: 8080, hosts: ['big'], resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } } };
    const rendered = render({ apps: [appFile('big', big)] });
    const c = (find(rendered.objects, 'Deployment', 'big', 'big') as any).spec.template.spec.containers[0];
    expect(c.resources).toEqual({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } });
    // The quota is computed (replicas + 1 surge): whole units are written as such.
    expect((find(rendered.objects, 'ResourceQuota', 'app-quota', 'big') as any).spec.hard).toMatchObject({ 'requests.memory': '2Gi', 'limits.cpu': '4' });
  });
});
