import Ajv, { type ValidateFunction } from 'ajv';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { isBuiltInGroup } from '../lib/render';
import { render, type RenderedObject } from './helpers';

/*
 * Every rendered object is validated against the schema the API server would use: Kubernetes'
 * own (the kubernetes-models packages ship the upstream OpenAPI schemas) or the CRD that
 * `npm run import` pinned in imports/crds/. CRD schemas are made strict where the API server would
 * silently prune unknown fields, so a misspelt field fails here instead of vanishing in the cluster.
 */

const { objects } = render();

async function validateBuiltIn(o: RenderedObject): Promise<void> {
  const module = await import(/* @vite-ignore */ `kubernetes-models/${o.apiVersion}/${o.kind}`);
  new module[o.kind](o).validate();
}

/** Adds additionalProperties: false wherever the API server prunes unknown fields. */
function pruning(schema: any): any {
  if (!schema || typeof schema !== 'object') return schema;
  if (Array.isArray(schema)) return schema.map(pruning);
  const out: any = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, pruning(s)])) : pruning(v)]));
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}

// Without ajv's code optimisation passes: compiling these CRD schemas took 1.6 s with them, 0.6 s without.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { optimize: false } });
const crdValidators = new Map<string, ValidateFunction>();
for (const file of readdirSync('imports/crds')) {
  const crd = parse(readFileSync(`imports/crds/${file}`, 'utf8'));
  for (const version of crd.spec.versions) {
    const schema = pruning(version.schema.openAPIV3Schema);
    schema.properties.metadata = { type: 'object' };
    crdValidators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(schema));
  }
}

describe('rendered objects validate against their schemas', () => {
  test.each(objects.filter((o) => isBuiltInGroup(o.apiVersion)).map((o) => [`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, o] as const))(
    'Kubernetes %s',
    async (_, o) => {
      await expect(validateBuiltIn(o)).resolves.toBeUndefined();
    },
  );

  test.each(objects.filter((o) => !isBuiltInGroup(o.apiVersion)).map((o) => [`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, o] as const))(
    'CRD %s',
    (_, o) => {
      const validate = crdValidators.get(`${o.apiVersion}/${o.kind}`);
      expect(validate, `no CRD in imports/crds for ${o.apiVersion} ${o.kind}`).toBeDefined();
      const { file: _file, ...manifest } = o;
      expect(validate!(manifest) ? [] : validate!.errors).toEqual([]);
    },
  );
});

describe('the validators catch mistakes', () => {
  test('a Deployment with a string port fails the Kubernetes schema', async () => {
    const deployment = objects.find((o) => o.kind === 'Deployment') as any;
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    await expect(validateBuiltIn(broken)).rejects.toThrow();
  });
  test('a misspelt field in a custom resource fails instead of being pruned', () => {
    const issuer = objects.find((o) => o.kind === 'ClusterIssuer') as any;
    const { file: _file, ...broken } = structuredClone(issuer);
    broken.spec.acme.emial = broken.spec.acme.email;
    expect(crdValidators.get(`${issuer.apiVersion}/${issuer.kind}`)!(broken)).toBe(false);
  });
});
