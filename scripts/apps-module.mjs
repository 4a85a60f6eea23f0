// Source of the `virtual:apps` module: one import per apps/*.ts file, so adding a file is enough
// to deploy an app. Shared by the esbuild runner (scripts/run.mjs) and vitest (vitest.config.ts).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const APPS_MODULE_ID = 'virtual:apps';

/** Lists app files in a stable order, so dist/ never depends on directory order. */
export function listAppFiles(appsDir) {
  return readdirSync(appsDir)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts') && !name.startsWith('_'))
    .sort();
}

export function appsModuleSource(rootDir, appsDir = process.env.HOBBY_APPS_DIR ?? join(rootDir, 'apps')) {
  const files = listAppFiles(appsDir);
  const imports = files.map((name, i) => `import * as app${i} from ${JSON.stringify(join(appsDir, name))};`);
  const entries = files.map((name, i) => `  { file: ${JSON.stringify(`apps/${name}`)}, exports: app${i} },`);
  return [...imports, 'export const appSources = [', ...entries, '];', ''].join('\n');
}
