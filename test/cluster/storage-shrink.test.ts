import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../lib/delivery/control-plane';
import { startPinnedControlPlane } from './harness';

/*
 * Why synth refuses storage that shrinks (lib/spec/storage-shrink.ts, test/bad-inputs-storage.test.ts):
 * the real API server refuses the same change at apply time. A claim bound to a volume (the
 * PersistentVolume made here stands for the one Civo's CSI would provision; kube-controller-manager
 * binds them) cannot get a smaller request; a larger one is accepted. CloudNativePG's webhook refuses
 * a smaller Cluster the same way (`can't shrink existing storage`), which this machine does not run.
 */

let cp: ControlPlane;
beforeAll(async () => {
  cp = await startPinnedControlPlane();
});
afterAll(() => cp?.stop());

const claim = (size: string) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'fx-shop-api-data', namespace: 'fx-shop' },
  spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'civo-volume', volumeName: 'pv-fx-shop-api-data', resources: { requests: { storage: size } } },
});
const apply = (obj: object) => spawnSync('kubectl', ['apply', '--server-side', '--field-manager=hobby-infra', '-f', '-'], { env: cp.env, input: JSON.stringify(obj), encoding: 'utf8' });

describe('a bound claim on the real API server', () => {
  it('refuses a smaller size, as synth does, and takes a larger one', async () => {
    cp.kubectl(['create', 'namespace', 'fx-shop']);
    // Civo's storage class, as k3s on Civo has it (expansion allowed; the provisioner is Civo's CSI, absent here).
    cp.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'civo-volume' }, provisioner: 'csi.civo.com', allowVolumeExpansion: true, volumeBindingMode: 'WaitForFirstConsumer' }));
    cp.kubectl(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'pv-fx-shop-api-data' },
      spec: { capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'civo-volume', persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: '/tmp/stand-in-for-a-civo-volume' }, claimRef: { namespace: 'fx-shop', name: 'fx-shop-api-data' } },
    }));
    expect(apply(claim('2Gi')).status).toBe(0);
    let phase = '';
    for (let i = 0; i < 60 && phase !== 'Bound'; i++) {
      phase = cp.kubectl(['-n', 'fx-shop', 'get', 'pvc/fx-shop-api-data', '-o', 'jsonpath={.status.phase}']);
      if (phase !== 'Bound') await new Promise((r) => setTimeout(r, 500));
    }
    expect(phase).toBe('Bound');
    const shrunk = apply(claim('1Gi'));
    expect(shrunk.status).not.toBe(0);
    expect(shrunk.stderr).toContain('spec.resources.requests.storage: Forbidden: field can not be less than status.capacity');
    const grown = apply(claim('3Gi'));
    expect(grown.status, grown.stderr).toBe(0);
  });
});
