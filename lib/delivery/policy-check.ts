import { deployPolicyObjects, POLICY_NAME } from './deploy-policy';
import { policyInputs } from './policy-inputs';
import type { DistObject } from './manifests';
import type { Step } from './steps';

/*
 * Before the apply writes anything, it reads the admission policy that guards its identity and
 * compares it with the one `npm run -s deploy-identity` prints for the same dist/
 * (lib/delivery/deploy-policy.ts). A policy that is missing or older (a chart was added, a namespace
 * became privileged) stops the run, naming the admin step: the deploy identity cannot change the
 * policy, and an apply under a stale one would fail half-way at the first refused object.
 * The API server fills in defaults (matchPolicy, namespaceSelector, ...), so what the source
 * prints is compared as a part of the live object: every field it sets must be equal there.
 */

export const ADMIN_STEP = 'npm run -s deploy-identity | kubectl apply --server-side -f -';

/** The first path where `live` does not hold `expected`, or undefined when it does. */
export function firstDifference(expected: unknown, live: unknown, path = ''): string | undefined {
  if (Array.isArray(expected)) {
    if (!Array.isArray(live) || live.length !== expected.length) return `${path || '.'} (${Array.isArray(live) ? `${live.length} entries, expected ${expected.length}` : 'missing'})`;
    for (const [i, e] of expected.entries()) {
      const d = firstDifference(e, live[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (expected && typeof expected === 'object') {
    if (!live || typeof live !== 'object' || Array.isArray(live)) return `${path || '.'} (missing)`;
    for (const [k, e] of Object.entries(expected)) {
      const d = firstDifference(e, (live as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
    return undefined;
  }
  return expected === live ? undefined : path;
}

/** The plan's first step: read the live policy and its binding (the check itself is comparePolicy). */
export function policyStep(all: ReadonlyMap<string, DistObject>): Step {
  return {
    phase: 'setup',
    kind: 'policy',
    title: `admission policy ${POLICY_NAME} is the one this dist/ needs (else: the admin runs ${ADMIN_STEP})`,
    argv: ['kubectl', 'get', `validatingadmissionpolicy/${POLICY_NAME}`, `validatingadmissionpolicybinding/${POLICY_NAME}`, '-o', 'json'],
    customKinds: [],
    dist: all,
  };
}

/** Why the live policy is not the one `dist` needs, or undefined when it is. */
export function comparePolicy(dist: ReadonlyMap<string, DistObject>, liveJson: string): string | undefined {
  const expected = deployPolicyObjects(policyInputs(dist.values()));
  const live = (JSON.parse(liveJson || '{}') as { items?: Record<string, any>[] }).items ?? [];
  for (const want of expected as Record<string, any>[]) {
    const got = live.find((o) => o.kind === want.kind && o.metadata?.name === want.metadata.name);
    if (!got) return `${want.kind} ${want.metadata.name} is not in the cluster`;
    const where = firstDifference(want.spec, got.spec, 'spec');
    if (where) return `${want.kind} ${want.metadata.name} differs from the one this dist/ needs at ${where}`;
  }
  return undefined;
}

/** The run's refusal when the policy read by `step` is missing, unreadable or not the one its dist/ needs. */
export function policyRefusal(step: Step, read: { status: number | null; stdout?: string; stderr?: string }): string | undefined {
  const why = read.status === 0 ? comparePolicy(step.dist!, read.stdout ?? '') : `it could not be read: ${(read.stderr ?? '').trim()}`;
  if (!why) return undefined;
  return `refused before anything was written: the admission policy that guards the deploy identity is not the one this dist/ needs (${why}). The admin runs, with the admin kubeconfig: ${ADMIN_STEP}`;
}
