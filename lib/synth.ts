import type { AppSource } from './app-spec';
import type { ClusterConfig } from './config';
import { writeTreeAtomically } from './output';
import { renderPlatform } from './platform';
import { refuseSecrets } from './secret-scan';

export interface SynthInput {
  readonly cluster: ClusterConfig;
  readonly appSources: readonly AppSource[];
  /** The folder replaced with the rendered tree (normally dist/). */
  readonly outdir: string;
  /** The repository root: where `.secretlintrc.json` is. */
  readonly root: string;
}

/**
 * What `npm run synth` does once config and apps are loaded: render, refuse secret-looking values,
 * then swap the tree in. Every check runs before the first write, so a failure leaves `outdir` as it was.
 */
export async function synthesize({ cluster, appSources, outdir, root }: SynthInput): Promise<Map<string, string>> {
  const { files, apps } = renderPlatform({ cluster, appSources });
  await refuseSecrets(files, apps, root);
  writeTreeAtomically(outdir, files);
  return files;
}
