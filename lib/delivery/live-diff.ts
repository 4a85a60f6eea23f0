import { createHash } from 'node:crypto';
import type { Manifest, Phase } from '../render';
import { applySetId } from './applyset';
import { PART_OF_LABEL, type LiveObject } from './inventory';
import { sameQuantity } from '../quantity';

/*
 * What the apply writes, decided from the live objects the inventory already read (one list per
 * ApplySet, every kind, every namespace), as kapp does: an object is sent only when the cluster
 * does not already hold it as dist/ says. Two things must both hold for an object to be left alone:
 *  - the digest annotation the last apply put on it is the digest of what dist/ renders now: the
 *    object the apply would send is the one it sent last time, so no field that dist/ dropped is
 *    still owned (server-side apply removes those only when the object is sent again);
 *  - every field dist/ sets has that value in the live object (defaults the API server adds are
 *    extra fields, not differences): nobody changed a field the apply owns by hand.
 * Anything else (a new object, a changed one, a hand edit, a value the API server normalizes) is
 * sent, exactly as a full apply would send it.
 */

/** The digest of the object as the apply last sent it. */
export const APPLIED_DIGEST_ANNOTATION = 'hobby-infra.dev/applied-digest';

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Canonical JSON: keys sorted at every level, so the digest does not depend on key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isMap(value)) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

export function digestOf(manifest: Manifest): string {
  return createHash('sha256').update(canonical(manifest)).digest('base64url').slice(0, 22);
}

/**
 * The object as the apply sends it: dist/'s manifest with the ApplySet member label of its phase
 * (as `kubectl apply --applyset` labels members) and the digest of that, as an annotation.
 */
export function asApplied(manifest: Manifest, phase: Phase): Manifest {
  const metadata = manifest.metadata as Manifest['metadata'] & { labels?: Record<string, string>; annotations?: Record<string, string> };
  const labelled = { ...manifest, metadata: { ...metadata, labels: { ...(metadata.labels ?? {}), [PART_OF_LABEL]: applySetId(phase) } } } as Manifest;
  const digest = digestOf(labelled);
  return { ...labelled, metadata: { ...labelled.metadata, annotations: { ...(metadata.annotations ?? {}), [APPLIED_DIGEST_ANNOTATION]: digest } } } as Manifest;
}

/** Paths of the fields `desired` sets that `live` does not hold with the same value (`spec.replicas`, `spec.template.spec.containers[0].image`). */
export function differingFields(desired: unknown, live: unknown, path = ''): string[] {
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return [path || '.'];
    return desired.flatMap((d, i) => differingFields(d, live[i], `${path}[${i}]`));
  }
  if (isMap(desired)) {
    if (!isMap(live)) return [path || '.'];
    return Object.keys(desired).flatMap((k) => differingFields(desired[k], live[k], path ? `${path}.${k}` : k));
  }
  // A quantity comes back in its canonical form: `pods: 10` as "10", `0Mi` as "0", `1000m` as "1".
  if ((typeof desired === 'number' || typeof desired === 'string') && typeof live === 'string' && desired !== live && sameQuantity(String(desired), live)) return [];
  return desired === live ? [] : [path || '.'];
}

/** Why `applied` (asApplied's result) must be sent to a cluster that holds `live` (undefined: it has none), or undefined when it holds it already. */
export function whySend(applied: Manifest, live: LiveObject | undefined): string | undefined {
  if (!live) return 'not in the cluster';
  const want = (applied.metadata.annotations as Record<string, string>)[APPLIED_DIGEST_ANNOTATION];
  if (live.metadata.annotations?.[APPLIED_DIGEST_ANNOTATION] !== want) return 'changed in dist/';
  const fields = differingFields(applied, live);
  return fields.length ? `changed in the cluster: ${fields.slice(0, 3).join(', ')}${fields.length > 3 ? ', ...' : ''}` : undefined;
}
