import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { coversResource, deployIdentityObjects, deployRules, driftRules } from '../lib/delivery/deploy-identity';
import { deployPolicyObjects } from '../lib/delivery/deploy-policy';
import { collectObjects } from '../lib/delivery/manifests';
import { pluralOf } from '../lib/delivery/plural';
import { policyInputs } from '../lib/delivery/policy-inputs';
import { groupOf } from '../lib/render';
import { toYaml } from '../lib/yaml';
import { appVariantSources } from './fixtures/app-variants';
import { fixtureCluster } from './fixtures/cluster';
import { fixture } from './fixtures/fake-kubectl';
import { render, renderAlone } from './helpers';

/*
 * The deploy and drift identities' RBAC (lib/delivery/deploy-identity.ts) and what the admin step
 * prints. That the API server enforces it, with the admission policy, is test/cluster/least-power.test.ts.
 */

const root = resolve(import.meta.dirname, '..');

describe('the deploy identity', () => {
  it('covers every kind that the platform and the app variants render (else: re-run the one-time step)', () => {
    // The platform (with the tests' own config) and every app variant (each field of the app spec in use).
    const objects = [...render({ cluster: fixtureCluster, apps: [] }).objects, ...appVariantSources.flatMap((s) => renderAlone(s).objects)];
    const kinds = new Set(objects.map((m) => `${groupOf(m.apiVersion)}/${m.kind}`));
    const uncovered = [...kinds].filter((gk) => {
      const [group, kind] = gk.split('/') as [string, string];
      return !coversResource(group, pluralOf(kind));
    });
    expect(uncovered).toEqual([]);
  });

  it('never holds RBAC, impersonation or escalation rights, nor reads Secrets', () => {
    const rules = deployRules();
    expect(rules.flatMap((r) => r.apiGroups)).not.toContain('rbac.authorization.k8s.io');
    expect(rules.flatMap((r) => r.verbs)).not.toEqual(expect.arrayContaining(['escalate']));
    expect(rules.flatMap((r) => r.verbs).filter((v) => ['bind', 'impersonate', '*'].includes(v))).toEqual([]);
    // Secret zero by name only: a patch answers with the whole object, so a patch of any Secret is a read of it.
    expect(rules.filter((r) => r.resources.includes('secrets'))).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['create', 'patch'], resourceNames: ['infisical-universal-auth'] }]);
    expect(rules.filter((r) => r.resources.includes('customresourcedefinitions') && r.verbs.some((v) => v !== 'get' && v !== 'list' && v !== 'watch'))).toEqual([
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['create', 'patch'], resourceNames: ['applysets.hobby-infra.dev'] },
    ]);
    // The CRDs dist/ renders, by name; never `delete` of a CRD (that deletes every object of its kind).
    expect(deployRules(['middlewares.traefik.io']).filter((r) => r.resources.includes('customresourcedefinitions') && r.verbs.includes('patch'))).toEqual([
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['create', 'patch'], resourceNames: ['applysets.hobby-infra.dev', 'middlewares.traefik.io'] },
    ]);
    expect(deployRules(['middlewares.traefik.io']).filter((r) => r.resources.includes('customresourcedefinitions') && r.verbs.includes('delete'))).toEqual([]);
  });

  it('the drift identity can delete nothing, and reads no Secret', () => {
    const rules = driftRules();
    expect(rules.flatMap((r) => r.verbs)).not.toContain('delete');
    expect(rules.flatMap((r) => r.resources)).not.toContain('secrets');
    expect(rules.flatMap((r) => r.apiGroups)).not.toContain('rbac.authorization.k8s.io');
  });

  it('`npm run deploy-identity -- --dist <dir>` prints both identities and the admission policy for that dist/', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hobby-infra-identity-'));
    try {
      for (const [file, text] of fixture) mkdirSync(join(dir, file.split('/')[0]!), { recursive: true }), writeFileSync(join(dir, file), text);
      const out = execFileSync(process.execPath, ['scripts/run.mjs', 'scripts/deploy-identity.ts', '--dist', dir], { cwd: root, encoding: 'utf8' });
      expect(out.split('---\n').map((d) => parse(d).kind)).toEqual(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
      // Pods and their logs in kube-system only (helm-controller's Jobs), for the deploy identity only.
      const role = out.split('---\n').map((d) => parse(d)).filter((d) => d.kind === 'Role');
      expect(role.map((r) => [r.metadata.name, r.metadata.namespace, r.rules])).toEqual([['hobby-infra-deploy', 'kube-system', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }]]]);
      expect(out).toBe([...deployIdentityObjects(policyInputs(collectObjects(fixture).values()).crds), ...deployPolicyObjects(policyInputs(collectObjects(fixture).values()))].map((o) => toYaml(o)).join('---\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
