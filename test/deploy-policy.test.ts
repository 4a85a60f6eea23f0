import { describe, expect, it } from 'vitest';
import { deployPolicyObjects } from '../lib/delivery/deploy-policy';
import { chartKey, policyInputs } from '../lib/delivery/policy-inputs';
import { collectObjects } from '../lib/delivery/manifests';
import { buildPlan } from '../lib/delivery/plan';
import { comparePolicy, firstDifference } from '../lib/delivery/policy-check';
import { runPlan } from '../lib/delivery/run';
import { applied, env, fake, fixture, HEADER } from './fixtures/fake-kubectl';

/*
 * The admission policy that guards the deploy and drift identities (lib/delivery/deploy-policy.ts):
 * what it takes from dist/, and the apply's check that the live one is the one its dist/ needs.
 * What the policy refuses is proven against the real API server in test/cluster/least-power.test.ts.
 */

const privilegedNamespace = (reason?: string) =>
  `${HEADER}apiVersion: v1\nkind: Namespace\nmetadata:\n  name: metrics\n  labels:\n    pod-security.kubernetes.io/enforce: privileged\n` + (reason ? `  annotations:\n    hobby-infra.dev/pod-security-reason: ${reason}\n` : '');

describe('the admission policy of the deploy identity', () => {
  it('names each HelmChart of dist/ with its values, the privileged namespaces with their reasons, and what dist/ renders in the platform\'s namespaces', () => {
    const files = new Map(fixture).set('01-prerequisites/metrics.yaml', privilegedNamespace('node-exporter reads the host'));
    expect(policyInputs(collectObjects(files).values())).toEqual({
      charts: { [chartKey('kube-system', 'cert-manager', '', 'cert-manager', 'cert-manager')]: 'crds:\n  enabled: true\n' },
      privileged: { metrics: 'node-exporter reads the host' },
      platformNamespaces: ['cert-manager', 'metrics'], // blog is an app's (app.kubernetes.io/part-of)
      platformResources: ['/secrets'], // secret zero; the fixture renders nothing in cert-manager or metrics
      infisicalHosts: [],
      crds: [],
    });
  });

  it('refuses a privileged namespace that gives no reason, naming the file and the field', () => {
    const files = new Map(fixture).set('01-prerequisites/metrics.yaml', privilegedNamespace());
    expect(() => policyInputs(collectObjects(files).values())).toThrow(
      '01-prerequisites/metrics.yaml: Namespace metrics: metadata.annotations["hobby-infra.dev/pod-security-reason"]: got nothing, expected why the namespace must be privileged',
    );
  });

  it('pins each HelmChart\'s values as CEL string literals that hold every character (JSON escapes are CEL\'s)', () => {
    const values = 'a: "quoted"\nb: \'single\'\nc: back\\slash\ttab\n';
    const [policy] = deployPolicyObjects({ charts: { 'kube-system/x r c -> x': values }, privileged: {}, platformNamespaces: [], platformResources: [], infisicalHosts: [], crds: [] }) as any[];
    const charts = policy.spec.variables.find((v: { name: string }) => v.name === 'charts').expression as string;
    expect(JSON.parse(`[${charts.slice(1, -1).trim().replace(/^("[^"]*"): /, '$1, ')}]`)).toEqual(['kube-system/x r c -> x', values]);
  });

  it('is compared as a part of the live object: defaults the API server adds do not count, a changed or missing entry does', () => {
    const expected = { a: 1, list: [{ x: 'y' }], nested: { b: 'c' } };
    expect(firstDifference(expected, { a: 1, list: [{ x: 'y', defaulted: true }], nested: { b: 'c', d: 'e' }, matchPolicy: 'Equivalent' })).toBeUndefined();
    expect(firstDifference(expected, { a: 1, list: [{ x: 'z' }], nested: { b: 'c' } })).toBe('list[0].x');
    expect(firstDifference(expected, { a: 1, list: [{ x: 'y' }, { x: 'w' }], nested: { b: 'c' } })).toBe('list (2 entries, expected 1)');
    expect(firstDifference(expected, { a: 1, list: [{ x: 'y' }] })).toBe('nested (missing)');
  });

  it('the apply stops before writing anything when the live policy is older than its dist/ (a chart was added), naming the admin step', () => {
    const files = new Map(fixture).set(
      '02-helm-charts/reloader.yaml',
      `${HEADER}apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata:\n  name: reloader\n  namespace: kube-system\nspec:\n  repo: https://stakater.github.io/stakater-charts\n  chart: reloader\n  targetNamespace: reloader\n`,
    );
    const { calls, spawn } = fake(applied()); // the policy the admin printed for the fixture, without reloader
    const logs: string[] = [];
    const result = runPlan(buildPlan({ files }), { mode: 'apply', env, spawn, log: (l) => logs.push(l) });
    expect(result.code).toBe(2);
    expect(result.message).toContain('the admission policy that guards the deploy identity is not the one this dist/ needs (ValidatingAdmissionPolicy hobby-infra-deploy differs from the one this dist/ needs at spec.variables[8].expression');
    expect(result.message).toContain('npm run -s deploy-identity | kubectl apply --server-side -f -');
    expect(calls.map((c) => c.argv.slice(1, 3).join(' '))).toEqual(['get validatingadmissionpolicy/hobby-infra-deploy']);
    // Once the admin has re-run the step for this dist/, the same apply goes on.
    expect(runPlan(buildPlan({ files }), { mode: 'apply', env, spawn: fake(applied(), undefined, files).spawn, log: () => {} }).code).toBe(0);
  });

  it('the apply (and the drift check) stops when the policy is missing or cannot be read', () => {
    for (const mode of ['apply', 'drift'] as const) {
      const { spawn } = fake(applied(), (argv) => (argv[2]?.startsWith('validatingadmissionpolicy/') ? 1 : 0));
      const missing = (argv: readonly string[], o: Parameters<typeof spawn>[1]) =>
        argv[2]?.startsWith('validatingadmissionpolicy/') ? { status: 1, stdout: '', stderr: 'Error from server (NotFound): validatingadmissionpolicies.admissionregistration.k8s.io "hobby-infra-deploy" not found' } : spawn(argv, o);
      const result = runPlan(buildPlan({ files: fixture, mode }), { mode, env, spawn: missing, log: () => {} });
      expect(result.code, mode).toBe(2);
      expect(result.message).toContain('it could not be read: Error from server (NotFound)');
      expect(result.ran).toEqual([0]);
    }
    expect(comparePolicy(collectObjects(fixture), JSON.stringify({ items: [] }))).toBe('ValidatingAdmissionPolicy hobby-infra-deploy is not in the cluster');
    expect(comparePolicy(collectObjects(fixture), JSON.stringify({ items: deployPolicyObjects(policyInputs(collectObjects(fixture).values())) }))).toBeUndefined();
  });
});
