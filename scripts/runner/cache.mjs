// The bundle cache behind scripts/run.mjs. A bundle is reused only when everything it was built from
// is unchanged: the content of every project file esbuild read (plus tsconfig.json and package.json),
// the listing of every folder it resolved in and of the apps folder, the apps folder's location, the
// runner's own code, the Node and esbuild versions, and, for the dependency bundle, package-lock.json,
// node_modules/.package-lock.json and the size and mtime of every dependency file in it. Anything
// else rebuilds. It lives in node_modules/.cache (so scratch copies of the repository that link
// node_modules share it) or $HOBBY_INFRA_RUN_CACHE.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkProjectFacts, hashFile, listingOf, packageFacts, packageFactsHold, projectFacts, sha1 } from './fingerprint.mjs';
import { isBundledPackage } from './packages.mjs';

const runnerDir = dirname(fileURLToPath(import.meta.url));
/** Files that change what a build produces although esbuild does not list them as inputs. */
const BUILD_CONFIG_FILES = ['tsconfig.json', 'package.json'];
const KEEP = 12;

export const cacheDirOf = (root) => process.env.HOBBY_INFRA_RUN_CACHE || join(root, 'node_modules', '.cache', 'hobby-infra', 'run');

function writeAtomically(path, data) {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, path);
}

/** Marks a build as just used: prune keeps the newest, and none used within the minute, so no run loses the build it is about to load. */
const touch = (path) => {
  try {
    const now = new Date();
    utimesSync(path, now, now);
  } catch {
    /* pruned meanwhile, or an unwritable cache: the load says so, or a rebuild follows */
  }
};

const readJson = (path) => {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
};

/** What every bundle depends on besides its inputs: Node, esbuild and this runner. */
function environment(root) {
  const runnerFiles = [join(runnerDir, '..', 'run.mjs'), join(runnerDir, '..', 'apps-module.mjs'), ...readdirSync(runnerDir).sort().map((f) => join(runnerDir, f))];
  return [process.version, process.arch, hashFile(join(root, 'node_modules', 'esbuild', 'package.json')), ...runnerFiles.map(hashFile)].join('\n');
}

/** Drops all but the newest KEEP builds in `dir` (older than a minute, so no concurrent run is still reading them). */
function prune(dir) {
  // Another run may prune the same folder at once: a file gone between the listing and its stat is skipped.
  const manifests = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      const stats = statSync(join(dir, f), { throwIfNoEntry: false });
      return stats ? [{ f, mtime: stats.mtimeMs }] : [];
    })
    .sort((a, b) => b.mtime - a.mtime);
  for (const { f, mtime } of manifests.slice(KEEP)) {
    if (Date.now() - mtime < 60_000) continue;
    const id = f.slice(0, -'.json'.length);
    for (const suffix of ['.json', '.cjs', '.cjs.v8cache']) rmSync(join(dir, id + suffix), { force: true });
  }
}

/**
 * The bundles to run for `entry` (relative to `root`): `{ project, packages, externals }`, built
 * first when no cached build matches. Throws BuildError (from build.mjs) with one line per problem.
 */
export async function prepareBundles(root, entry, appsDir) {
  const cache = cacheDirOf(root);
  const env = environment(root);
  const appsLocation = relative(root, appsDir);
  const projectKey = sha1([env, entry, appsLocation].join('\n'));
  const projectDir = join(cache, 'project', basename(entry).replace(/\.\w+$/, ''));

  let manifest = findProject(root, projectDir, projectKey);
  let builder;
  if (!manifest) {
    builder = await import('./build.mjs');
    const built = await builder.buildProject(root, entry, appsDir);
    const facts = projectFacts(root, [...built.inputs, ...BUILD_CONFIG_FILES.map((f) => join(root, f))]);
    // The apps folder is listed whole, even when it holds no app yet: the next file added there (or a
    // stray one, which synth refuses) must be seen.
    if (built.usesApps) facts.folders = { [appsLocation || '.']: listingOf(appsDir, { everything: true }) };
    const id = sha1(built.code + JSON.stringify(facts));
    manifest = { key: projectKey, id, facts, externals: built.externals };
    writeAtomically(join(projectDir, `${id}.cjs`), built.code);
    writeAtomically(join(projectDir, `${id}.json`), JSON.stringify(manifest));
    prune(projectDir);
  }

  const bundled = manifest.externals.filter(isBundledPackage);
  let packages;
  if (bundled.length) {
    const lock = ['package-lock.json', 'node_modules/.package-lock.json'].map((f) => hashFile(join(root, f)));
    const key = sha1([env, ...lock, ...bundled].join('\n'));
    const packagesDir = join(cache, 'packages');
    const stored = readJson(join(packagesDir, `${key}.json`));
    if (stored && packageFactsHold(root, stored.stats)) touch(join(packagesDir, `${key}.json`));
    else {
      builder ??= await import('./build.mjs');
      const built = await builder.buildPackages(root, bundled);
      writeAtomically(join(packagesDir, `${key}.cjs`), built.code);
      rmSync(join(packagesDir, `${key}.cjs.v8cache`), { force: true });
      writeAtomically(join(packagesDir, `${key}.json`), JSON.stringify({ stats: packageFacts(root, built.inputs) }));
      prune(packagesDir);
    }
    packages = { file: join(packagesDir, `${key}.cjs`), specifiers: bundled };
  }
  return { project: join(projectDir, `${manifest.id}.cjs`), packages };
}

/** The newest cached build of this entry whose every recorded fact still holds. */
function findProject(root, projectDir, key) {
  let names;
  try {
    names = readdirSync(projectDir).filter((f) => f.endsWith('.json'));
  } catch {
    return undefined;
  }
  for (const name of names) {
    const manifest = readJson(join(projectDir, name));
    if (manifest?.key !== key) continue;
    const check = checkProjectFacts(root, manifest.facts);
    if (!check) continue;
    if (check.refreshed) {
      try {
        writeAtomically(join(projectDir, name), JSON.stringify({ ...manifest, facts: check.refreshed }));
      } catch {
        /* an unwritable cache only costs the next run its hashing */
      }
    } else touch(join(projectDir, name));
    return manifest;
  }
  return undefined;
}
