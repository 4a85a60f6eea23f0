// The stock path a cdk8s user gets, for `npm run bench` to compare against: `cdk8s synth` runs this
// file through ts-node (type-checking on the fly), apps are found with fs + require, and cdk8s'
// own App.synth() writes one YAML file per chart. Never used by `npm run synth`.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cluster } from '../../config/cluster';
import type { AppSource } from '../../lib/app-spec';
import { buildPlatform } from '../../platform';

const appsDir = resolve(process.env.HOBBY_APPS_DIR ?? 'apps');
const appSources: AppSource[] = readdirSync(appsDir)
  .filter((f) => f.endsWith('.ts'))
  .sort()
  .map((f) => ({ file: `apps/${f}`, exports: require(join(appsDir, f)) }));
buildPlatform({ cluster, appSources }).app.synth();
