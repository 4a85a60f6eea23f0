import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-32';
import { Construct } from 'constructs';
import type { AppSpec } from '../spec/types';

/*
 * The PersistentVolumeClaims of an app's components, created before any process that mounts them
 * (a component's own, or another's through `from`), so that every mount refers to the claim itself.
 */
export class AppVolumes extends Construct {
  private readonly claims = new Map<string, kplus.PersistentVolumeClaim>();

  constructor(scope: Construct, id: string, app: AppSpec, namespace: string) {
    super(scope, id);
    for (const v of app.components.flatMap((c) => c.volumes)) {
      // Ids by owner and claim: two claims of one name are refused by name (lib/spec/derived-names.ts), not by a clash of ids.
      const claim = new kplus.PersistentVolumeClaim(this, `${v.owner}:${v.claim}`, {
        metadata: { name: v.claim, namespace, labels: { 'app.kubernetes.io/name': v.owner, 'app.kubernetes.io/part-of': app.name } },
        accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
        storageClassName: 'civo-volume',
      });
      // The size as declared: cdk8s+ would render it in whole GiB and fail on 512Mi or 1.5Gi.
      ApiObject.of(claim).addJsonPatch(JsonPatch.add('/spec/resources', { requests: { storage: kplus.k8s.Quantity.fromString(v.size) } }));
      this.claims.set(v.claim, claim);
    }
  }

  /** The claim of that name (the spec's cross-checks make sure it exists). */
  claim(name: string): kplus.IPersistentVolumeClaim {
    const claim = this.claims.get(name);
    if (!claim) throw new Error(`no volume claim ${name} in this app`);
    return claim;
  }
}
