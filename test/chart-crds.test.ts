import { cpSync, mkdtempSync, readFileSync as readFile, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHARTS, type PinnedChart } from '../config/versions';
import { chartCrdsDir, readChartCrds, type ChartCrdsSource } from '../lib/constructs/chart-crds';
import { fixtureCluster } from './fixtures/cluster';
import { render } from './helpers';

/*
 * The CRDs of charts that keep them in crds/ (helm installs those once, never upgrades them) are
 * rendered into dist/ from imports/chart-crds/, at the chart's pinned version. Applying them, and a
 * bump's change in the diff: test/cluster/chart-crds.test.ts.
 */

const withCrds = Object.values(CHARTS as Record<string, PinnedChart>).filter((c) => c.crds);

describe('chart CRDs in dist/', () => {
  it('renders every CRD the import took for the pinned version, unchanged, in phase 01 of the chart\'s file', () => {
    expect(withCrds.map((c) => c.chart)).toEqual(['traefik']);
    const { files } = render({ cluster: fixtureCluster, apps: [] });
    for (const chart of withCrds) {
      const source = JSON.parse(readFileSync(join(chartCrdsDir(chart), 'source.json'))) as ChartCrdsSource;
      expect(source.version).toBe(chart.version);
      expect(source.folder).toBe(chart.crds!.folder.replaceAll('{version}', chart.version));
      const rendered = [...files.entries()].flatMap(([file, text]) => text.split(/^---$/m).map((d) => ({ file, doc: parse(d) }))).filter((d) => d.doc?.kind === 'CustomResourceDefinition');
      const expected = source.files.map((f) => parse(readFileSync(join(chartCrdsDir(chart), f))));
      expect(expected.every((crd) => crd.metadata.name.endsWith(`.${chart.crds!.prefix.replace(/_$/, '')}`))).toBe(true);
      for (const crd of expected) expect(rendered.find((r) => r.doc.metadata.name === crd.metadata.name), crd.metadata.name).toEqual({ file: `01-prerequisites/${chart.chart}.yaml`, doc: crd });
    }
  });

  it('refuses CRDs imported for another chart version, or none, in the project\'s words', () => {
    const root = mkdtempSync(join(tmpdir(), 'chart-crds-'));
    try {
      const traefik = CHARTS.traefik as PinnedChart;
      expect(() => readChartCrds(traefik, root)).toThrow(`imports/chart-crds/traefik/source.json: got no file, expected the CRDs of traefik ${traefik.version}; run \`npm run import\``);
      cpSync(chartCrdsDir(traefik), join(root, chartCrdsDir(traefik)), { recursive: true });
      expect(readChartCrds(traefik, root).length).toBeGreaterThanOrEqual(3);
      const stale = { ...JSON.parse(readFileSync(join(root, chartCrdsDir(traefik), 'source.json'))), version: '41.2.0' };
      writeFileSync(join(root, chartCrdsDir(traefik), 'source.json'), JSON.stringify(stale));
      expect(() => readChartCrds(traefik, root)).toThrow(`imports/chart-crds/traefik/source.json: version: got 41.2.0, expected ${traefik.version} (config/versions.ts); run \`npm run import\``);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

const readFileSync = (path: string) => readFile(path, 'utf8');
