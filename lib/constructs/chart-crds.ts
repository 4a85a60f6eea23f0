import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { PinnedChart } from '../../config/versions';

/*
 * The CRDs of a chart that ships them in its `crds/` folder, rendered into dist/ from the copies
 * `npm run import` saved at the chart's pinned version (imports/chart-crds/<chart>/). helm installs
 * that folder once and never upgrades it (HIP-0011; helm-controller runs `helm upgrade`), so without
 * this a chart bump that needs new CRD fields leaves the old CRDs in the cluster. As dist/ objects
 * (phase 01, before the chart's HelmChart in 02) they show in the rendered diff when a bump changes
 * them, are applied with the rest, and are never pruned without --allow-destructive (the guard).
 * Once per synth, not per app: a few files read and parsed.
 */

/** Where `npm run import` keeps a chart's CRDs, relative to the repository root. */
export const chartCrdsDir = (chart: Pick<PinnedChart, 'chart'>) => join('imports', 'chart-crds', chart.chart);

/** What `npm run import` records next to the files: the chart version and the files it took. */
export interface ChartCrdsSource {
  readonly chart: string;
  readonly version: string;
  readonly folder: string;
  readonly files: readonly string[];
}

/** The CRD manifests of `chart` at its pinned version; throws `file: field: got X, expected Y` when imports/ is stale or missing. */
export function readChartCrds(chart: PinnedChart, root = '.'): Record<string, unknown>[] {
  const dir = join(root, chartCrdsDir(chart));
  const sourceFile = join(dir, 'source.json');
  const rerun = 'run `npm run import` (Renovate\'s re-render does it for a chart bump)';
  if (!existsSync(sourceFile)) throw new Error(`${join(chartCrdsDir(chart), 'source.json')}: got no file, expected the CRDs of ${chart.chart} ${chart.version}; ${rerun}`);
  const source = JSON.parse(readFileSync(sourceFile, 'utf8')) as ChartCrdsSource;
  if (source.version !== chart.version) {
    throw new Error(`${join(chartCrdsDir(chart), 'source.json')}: version: got ${source.version}, expected ${chart.version} (config/versions.ts); ${rerun}`);
  }
  return source.files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8'))
      .map((doc) => doc.toJS() as Record<string, unknown> | null)
      .filter((crd): crd is Record<string, unknown> => crd !== null)
      .map((crd) => {
        if (crd.kind !== 'CustomResourceDefinition') throw new Error(`${join(chartCrdsDir(chart), file)}: kind: got ${String(crd.kind)}, expected CustomResourceDefinition`);
        return crd;
      }),
  );
}

/** Renders `chart`'s CRDs (its pinned version's) into the chart that declares it. */
export class ChartCrds extends Construct {
  constructor(scope: Construct, id: string, chart: PinnedChart) {
    super(scope, id);
    for (const crd of readChartCrds(chart)) {
      const { apiVersion, kind, metadata, ...rest } = crd as { apiVersion: string; kind: string; metadata: { name: string } };
      new ApiObject(this, metadata.name, { apiVersion, kind, metadata, ...rest });
    }
  }
}
