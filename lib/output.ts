import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

/** Replaces `dir` with exactly `files` (relative path -> text). */
export function writeTreeAtomically(dir: string, files: ReadonlyMap<string, string>): void {
  const { staging, previous } = siblings(dir);
  rmSync(staging, { recursive: true, force: true });
  try {
    for (const [path, content] of files) {
      const target = join(staging, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
    mkdirSync(staging, { recursive: true });
    swapIn(staging, dir, previous);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
