import { describe, expect, it } from 'vitest';
import { imagesOf } from '../lib/images/collect';
import { imageName } from '../lib/images/registry';
import type { Manifest } from '../lib/render';

/* Which images `npm run check-images` asks about, and where (the registry itself: test/cluster/check-images.test.ts). */

describe('imageName', () => {
  it('finds the registry and repository as container runtimes do', () => {
    expect(imageName('busybox:1.37.0-musl')).toEqual({ host: 'registry-1.docker.io', path: 'library/busybox', tag: '1.37.0-musl', digest: undefined });
    expect(imageName('docker.io/restic/restic:0.18.1')).toMatchObject({ host: 'registry-1.docker.io', path: 'restic/restic' });
    expect(imageName('ghcr.io/cloudnative-pg/postgresql:17.6')).toMatchObject({ host: 'ghcr.io', path: 'cloudnative-pg/postgresql', tag: '17.6' });
    expect(imageName(`127.0.0.1:5000/demo/app@sha256:${'a'.repeat(64)}`)).toMatchObject({ host: '127.0.0.1:5000', path: 'demo/app', tag: undefined, digest: `sha256:${'a'.repeat(64)}` });
    expect(imageName('localhost/app:1')).toMatchObject({ host: 'localhost', path: 'app' });
    expect(imageName('Not An Image')).toBeUndefined();
  });
});

describe('imagesOf', () => {
  it('collects every image and imageName of the objects, with the objects that use each', () => {
    const cronJob = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'drill', namespace: 'd' }, spec: { jobTemplate: { spec: { template: { spec: { initContainers: [{ name: 'sh', image: 'busybox:1' }], containers: [{ name: 'k', image: 'registry.k8s.io/kubectl:v1.32.7' }] } } } } } } as Manifest;
    const pg = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'db', namespace: 'd' }, spec: { imageName: 'ghcr.io/cloudnative-pg/postgresql:17.6' } } as Manifest;
    const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w', namespace: 'd' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'busybox:1' }] } } } } as Manifest;
    const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { note: 'image: busybox:2 in text is not an image field' } } as Manifest;
    expect([...imagesOf([cronJob, pg, deploy, config], ' (x)')]).toEqual([
      ['busybox:1', ['CronJob d/drill (x)', 'Deployment d/w (x)']],
      ['registry.k8s.io/kubectl:v1.32.7', ['CronJob d/drill (x)']],
      ['ghcr.io/cloudnative-pg/postgresql:17.6', ['Cluster.postgresql.cnpg.io d/db (x)']],
    ]);
  });
});
