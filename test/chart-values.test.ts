import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { CHARTS, valuesSchemaUrl } from '../config/versions';
import { helmValues, render } from './helpers';

/*
 * HelmChart values are checked against the chart's own values.schema.json where the chart ships
 * one and `npm run import` saved it (imports/chart-values/), so a misspelt or mistyped value fails
 * here, not in a helm-install job on the cluster.
 */

const { objects } = render();
const schemaFile = (chart: string) => `imports/chart-values/${chart}.schema.json`;

function validator(chart: string) {
  const schema = JSON.parse(readFileSync(schemaFile(chart), 'utf8'));
  const ajv = String(schema.$schema).includes('2020-12') ? new Ajv2020({ strict: false, allErrors: true, code: { optimize: false } }) : new Ajv({ strict: false, allErrors: true, code: { optimize: false } });
  return ajv.compile(schema);
}

const typed = Object.values(CHARTS).filter((c) => 'valuesSchema' in c && existsSync(schemaFile(c.chart)));

describe('Helm values validate against the chart values schema', () => {
  test('every chart with a pinned schema has it imported, or the import recorded it missing', () => {
    const readme = readFileSync('imports/chart-values/README.md', 'utf8');
    for (const chart of Object.values(CHARTS).filter((c) => 'valuesSchema' in c)) {
      expect(existsSync(schemaFile(chart.chart)) || readme.includes(`| ${chart.chart} | ${chart.version} | missing`), chart.chart).toBe(true);
    }
    expect(typed.length).toBeGreaterThan(0);
  });

  test.each(typed.map((c) => [c.chart] as const))('%s', (chart) => {
    const release = objects.find((o) => o.kind === 'HelmChart' && (o as any).spec.chart === chart)!;
    const validate = validator(chart);
    expect(validate(helmValues(objects, release.metadata.name)) ? [] : validate.errors).toEqual([]);
  });

  test('each schema URL is derived from the chart version, and the imported schema is that version\'s', () => {
    const readme = readFileSync('imports/chart-values/README.md', 'utf8');
    for (const chart of Object.values(CHARTS)) {
      if (!('valuesSchema' in chart)) continue;
      // One copy of the version (the line Renovate bumps): the URL names it only through {version}.
      expect(chart.valuesSchema, chart.chart).toContain('{version}');
      expect(chart.valuesSchema, chart.chart).not.toContain(chart.version.replace(/^v/, ''));
      expect(valuesSchemaUrl(chart), chart.chart).toContain(`${chart.version}/`);
      expect(readme, chart.chart).toContain(`| ${chart.chart} | ${chart.version} | `);
      expect(readme, chart.chart).toContain(valuesSchemaUrl(chart));
    }
  });

  test('the CRDs pinned in cdk8s.yaml are those of the pinned chart versions', () => {
    const { imports } = parse(readFileSync('cdk8s.yaml', 'utf8')) as { imports: string[] };
    const urls = imports.map((i) => i.split(':=')[1]!);
    const expected: [RegExp, string][] = [
      [/\/external-secrets\/external-secrets\//, `/v${CHARTS.externalSecrets.version}/`],
      [/\/cert-manager\/cert-manager\//, `/${CHARTS.certManager.version}/`],
      [/\/traefik\//, `/traefik-helm-chart/v${CHARTS.traefik.version}/traefik/crds/`],
      [/\/tailscale\/tailscale\//, `/v${CHARTS.tailscaleOperator.version}/cmd/k8s-operator/deploy/crds/`],
    ];
    for (const [repo, tag] of expected) {
      const matching = urls.filter((u) => repo.test(u));
      expect(matching.length, String(repo)).toBeGreaterThan(0);
      for (const url of matching) expect(url).toContain(tag);
    }
  });

  test('a value of the wrong type is caught', () => {
    const validate = validator('cert-manager');
    const values = helmValues(objects, 'cert-manager');
    expect(validate({ ...values, crds: { enabled: 'yes' } })).toBe(false);
    expect(validate({ ...values, webhook: { ...values.webhook, resourcez: {} } })).toBe(false);
  });
});
