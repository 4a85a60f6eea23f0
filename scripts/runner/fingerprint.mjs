// What a cached bundle was built from, and whether that is still exactly what is on disk.
// A bundle is served only when every recorded fact still holds; anything unreadable counts as changed.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export const sha1 = (data) => createHash('sha1').update(data).digest('hex');

/** Content hash of a file, or '' when it cannot be read (so a deleted input never matches). */
export function hashFile(path) {
  try {
    return sha1(readFileSync(path));
  } catch {
    return '';
  }
}

/** Size and modification time of a file (for node_modules, which npm rewrites as a whole). */
export function statOf(path) {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return '';
  }
}

/**
 * The files in a folder that module resolution could pick up instead of the one it did (a new `x.ts`
 * beside `x/index.ts` changes what `./x` means; esbuild prefers a file to a folder, so new folders
 * do not). `everything` also counts folders and dot-files: the apps folder, where any stray entry is an error.
 */
export function listingOf(dir, { everything = false } = {}) {
  try {
    const names = readdirSync(dir, { withFileTypes: true })
      .filter((e) => everything || (!e.name.startsWith('.') && !e.isDirectory()))
      .map((e) => `${e.name}${e.isDirectory() ? '/' : ''}`);
    return sha1(names.sort().join('\n'));
  } catch {
    return '';
  }
}

/** `dir` and its ancestors up to and including `root` (or just `dir` when it lies outside `root`). */
function foldersUpTo(dir, root) {
  const rel = relative(root, dir);
  if (rel.startsWith('..') || isAbsolute(rel)) return [dir];
  const out = [root];
  let at = root;
  for (const part of rel.split(sep).filter(Boolean)) out.push((at = join(at, part)));
  return out;
}

/**
 * A file whose size, times and inode are what they were when it was hashed is unchanged, unless it was
 * last written so shortly before that a second write could carry the same timestamps (a file system
 * with coarse times): such a file is hashed again, as git treats "racily clean" index entries.
 */
const RACY_MS = 2000;
const statKey = (s) => `${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`;
const statsOf = (path) => statSync(path, { throwIfNoEntry: false });
const settledBy = (stat, time) => time - Math.max(stat.mtimeMs, stat.ctimeMs) > RACY_MS;

/**
 * Project inputs: every file esbuild read (by content, with its stat to skip hashing it again while
 * it is untouched) and every folder it resolved in (by listing), recorded relative to `root`, so
 * that an identical copy of the project (a scratch repo in a test) finds the same bundle.
 */
export function projectFacts(root, files) {
  // Taken before the files are looked at: a stat is trusted only if the file was settled by then.
  const statsAt = Date.now();
  const contents = {};
  const stats = {};
  const folders = new Set();
  for (const file of files) {
    const abs = resolve(root, file);
    const rel = relative(root, abs);
    const stat = statsOf(abs);
    stats[rel] = stat ? statKey(stat) : '';
    contents[rel] = hashFile(abs);
    for (const d of foldersUpTo(dirname(abs), root)) folders.add(d);
  }
  const listings = {};
  for (const d of [...folders].sort()) listings[relative(root, d) || '.'] = listingOf(d);
  return { contents, stats, statsAt, listings };
}

/**
 * Whether every recorded content hash and folder listing still matches what is below `root`:
 * `false`, or `{ refreshed }` with facts whose stats can be trusted for more files next time (files
 * hashed this time because they were written just before the last record, or since, unchanged), to store.
 * `now` is taken before any file is looked at, and each stat before its file is hashed, so a refreshed
 * stat never vouches for content written after the hash was compared.
 */
export function checkProjectFacts(root, facts, now = Date.now()) {
  let stale = false;
  const stats = {};
  for (const [file, hash] of Object.entries(facts.contents)) {
    const stat = statsOf(resolve(root, file));
    if (!stat) return false;
    stats[file] = statKey(stat);
    if (facts.stats?.[file] === stats[file] && settledBy(stat, facts.statsAt)) continue;
    if (hashFile(resolve(root, file)) !== hash) return false;
    stale ||= settledBy(stat, now);
  }
  for (const [dir, listing] of Object.entries(facts.listings)) if (listingOf(resolve(root, dir)) !== listing) return false;
  for (const [dir, listing] of Object.entries(facts.folders ?? {})) if (listingOf(resolve(root, dir), { everything: true }) !== listing) return false;
  return { refreshed: stale ? { ...facts, stats, statsAt: now } : undefined };
}

/** Dependency inputs (files under node_modules), by size and modification time. */
export function packageFacts(root, files) {
  const stats = {};
  for (const file of files) stats[relative(root, resolve(root, file))] = statOf(resolve(root, file));
  return stats;
}

export function packageFactsHold(root, stats) {
  for (const [file, stat] of Object.entries(stats)) if (statOf(resolve(root, file)) !== stat) return false;
  return true;
}
