import { existsSync, linkSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/*
 * Generated folders (dist/, imports/) are replaced whole or not at all: the new content is built in
 * a sibling temp folder and swapped in at the end, so a removed file disappears and a failure at any
 * point leaves the folder exactly as it was.
 */

function siblings(dir: string): { staging: string; previous: string } {
  const parent = dirname(dir);
  return { staging: join(parent, `.${basename(dir)}-next-${process.pid}`), previous: join(parent, `.${basename(dir)}-previous-${process.pid}`) };
}

/** Swaps a finished `staging` folder in for `dir` (two renames; the old folder is restored if the second fails). */
function swapIn(staging: string, dir: string, previous: string): void {
  const hadPrevious = existsSync(dir);
  if (hadPrevious) renameSync(dir, previous);
  try {
    renameSync(staging, dir);
  } catch (error) {
    if (hadPrevious) renameSync(previous, dir);
    throw error;
  }
  rmSync(previous, { recursive: true, force: true });
}

/** Replaces `dir` with what `fill` writes into the (empty) staging folder it is given. */
export async function replaceDirectoryAtomically(dir: string, fill: (staging: string) => Promise<void> | void): Promise<void> {
  const { staging, previous } = siblings(dir);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    await fill(staging);
    swapIn(staging, dir, previous);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Hard-links `current` to `target` when it is a plain file holding exactly `content`. Creating a file
 * costs far more than linking one on common file systems (0.6 ms against 0.03 ms each here: most of
 * a 1000-app synth), and most of dist/ is unchanged from one synth to the next.
 */
function linkIfUnchanged(current: string, target: string, content: string): boolean {
  try {
    const stat = lstatSync(current);
    if (!stat.isFile() || stat.size !== Buffer.byteLength(content) || readFileSync(current, 'utf8') !== content) return false;
    linkSync(current, target);
    return true;
  } catch {
    return false; // no such file yet, or a file system without hard links: the file is written
  }
}

/**
 * Replaces `dir` with exactly `files` (relative path -> text). Unchanged files are hard links to the
 * current ones (which keep their modification times); the staging tree is complete before the swap either way.
 */
export function writeTreeAtomically(dir: string, files: ReadonlyMap<string, string>): void {
  const { staging, previous } = siblings(dir);
  rmSync(staging, { recursive: true, force: true });
  try {
    const made = new Set<string>();
    for (const [path, content] of files) {
      const target = join(staging, path);
      const folder = dirname(target);
      if (!made.has(folder)) mkdirSync(folder, { recursive: true });
      made.add(folder);
      if (!linkIfUnchanged(join(dir, path), target, content)) writeFileSync(target, content);
    }
    mkdirSync(staging, { recursive: true });
    swapIn(staging, dir, previous);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
